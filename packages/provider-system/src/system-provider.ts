import type { Provider } from '@stratum/core';
import { systemAptRepoKind } from './apt-repo-kind';
import { systemAuthorizedKeyKind } from './authorized-key-kind';
import { systemDirKind } from './dir-kind';
import { systemFileKind } from './file-kind';
import { systemGroupKind } from './group-kind';
import { systemLineKind } from './line-kind';
import { systemPackageKind } from './package-kind';
import { systemSecretFileKind } from './secret-file-kind';
import { systemServiceKind } from './service-kind';
import { systemSymlinkKind } from './symlink-kind';
import { systemSysctlKind } from './sysctl-kind';
import { systemUfwRuleKind } from './ufw-rule-kind';
import { systemUserKind } from './user-kind';

/**
 * The `system` provider: apt packages, systemd services, files, secret files,
 * directories, ufw rules, users, groups, authorized keys, apt repositories, symlinks, lines of files and sysctl settings on Debian/Ubuntu hosts. Its kinds build
 * operations; the engine runs them (and runs `apt-get update` once per host
 * per run), so the provider keeps no memory of its own.
 */
export function createSystemProvider(): Provider {
  return {
    name: 'system',
    kinds: {
      system_package: systemPackageKind,
      system_service: systemServiceKind,
      system_file: systemFileKind,
      system_secret_file: systemSecretFileKind,
      system_dir: systemDirKind,
      system_ufw_rule: systemUfwRuleKind,
      system_symlink: systemSymlinkKind,
      system_line: systemLineKind,
      system_sysctl: systemSysctlKind,
      system_user: systemUserKind,
      system_group: systemGroupKind,
      system_authorized_key: systemAuthorizedKeyKind,
      system_apt_repo: systemAptRepoKind,
    },
  };
}
