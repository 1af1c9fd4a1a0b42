import type { Provider } from '@stratum/core';
import { AptUpdateMemo } from './apt';
import { systemDirKind } from './dir-kind';
import { systemFileKind } from './file-kind';
import { systemPackageKind } from './package-kind';
import { systemSecretFileKind } from './secret-file-kind';
import { systemServiceKind } from './service-kind';
import { systemUfwRuleKind } from './ufw-rule-kind';

/**
 * The `system` provider: apt packages, systemd services, files, secret files,
 * directories and ufw rules on Debian/Ubuntu hosts, reached through the
 * context's transport. Each call returns a fresh provider with its own
 * memory of which hosts already ran `apt-get update`.
 */
export function createSystemProvider(): Provider {
  return {
    name: 'system',
    kinds: {
      system_package: systemPackageKind(new AptUpdateMemo()),
      system_service: systemServiceKind,
      system_file: systemFileKind,
      system_secret_file: systemSecretFileKind,
      system_dir: systemDirKind,
      system_ufw_rule: systemUfwRuleKind,
    },
  };
}
