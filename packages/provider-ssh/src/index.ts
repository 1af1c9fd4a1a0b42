// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import '@stratum/core/node-version';

export type { TransportLogger } from './connection';
export type {
  HostKeyChangedDetails,
  HostKeyUnknownDetails,
  IdentityAttempt,
  SshErrorCode,
  SshErrorOptions,
} from './errors';
export {
  AuthFailedError,
  CommandTimeoutError,
  ConnectionLostError,
  HostKeyChangedError,
  HostKeyUnknownError,
  SshError,
} from './errors';
export { formatCommandFailure } from './format';
export type { SshExecAttrs } from './kinds/exec-kind';
export { sshExecSchema } from './kinds/exec-kind';
export type { SshFileAttrs } from './kinds/file-kind';
export { sshFileSchema } from './kinds/file-kind';
export { createSshProvider } from './kinds/ssh-provider';
export { fingerprint, knownHostsName } from './known-hosts';
export type { HostSettings, ResolvedTarget } from './ssh-config';
export { parseTargetAddr } from './ssh-config';
export type { SshTransport, SshTransportOptions } from './transport';
export { createSshTransport } from './transport';
