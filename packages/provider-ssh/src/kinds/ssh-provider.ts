import type { Provider } from '@stratum/core';
import { sshExecKind } from './exec-kind';
import { sshFileKind } from './file-kind';

/**
 * The `ssh` provider: `ssh_exec` (run a command) and `ssh_file` (write a
 * file). Hosts are reached through the context's transport, normally the
 * pooled one from `createSshTransport`.
 */
export function createSshProvider(): Provider {
  return { name: 'ssh', kinds: { ssh_exec: sshExecKind, ssh_file: sshFileKind } };
}
