import { StratumError } from '@stratum/core';

/**
 * Every code the ssh transport can fail with. A command that ran and exited
 * non-zero is not among them: that is an `ExecResult`, not an error.
 */
export type SshErrorCode =
  /** TCP could not reach the host (refused, no route, name does not resolve). */
  | 'HostUnreachable'
  /** TCP or the ssh handshake did not finish within the connect timeout. */
  | 'ConnectTimeout'
  /** The server rejected every identity we offered. */
  | 'AuthFailed'
  /** The host presented a key other than the one known_hosts records for it. */
  | 'HostKeyChanged'
  /** The host presented a key that known_hosts marks `@revoked`. */
  | 'HostKeyRevoked'
  /** The host is not in known_hosts and ssh config `StrictHostKeyChecking yes` (or `ask`) forbids adding it. */
  | 'HostKeyUnknown'
  /** known_hosts could not be read or appended to. */
  | 'KnownHostsUnwritable'
  /** The ssh handshake failed for another reason (no common algorithm, protocol error). */
  | 'SshHandshakeFailed'
  /** The server kept refusing to open a session channel. */
  | 'ChannelRefused'
  /** A long-lived command (`longLived`) was refused: it would have taken the connection's last free channel. */
  | 'ChannelsBusy'
  /** The connection dropped while a command was in flight. */
  | 'ConnectionLost'
  /** The command ran past its timeout and was killed. */
  | 'CommandTimeout'
  /** The caller's AbortSignal fired. */
  | 'CommandAborted'
  /** The async iterable given as stdin threw. */
  | 'StdinFailed'
  /** The ssh config asks for something this transport does not do (ProxyJump, ...). */
  | 'SshConfigUnsupported'
  /** A target or an ssh config value is malformed (empty host, bad Port). */
  | 'SshConfigInvalid'
  /** An ssh config or identity file could not be read. */
  | 'SshConfigUnreadable'
  /** The ssh config file the caller named (`sshConfigPath`) does not exist or is a directory. */
  | 'SshConfigMissing'
  /** The host block says `sudo = true` and `sudo -n` cannot run commands as root there (missing, wants a password, not allowed). */
  | 'SudoFailed'
  /** `exec` was called after `close()`. */
  | 'TransportClosed';

export interface SshErrorOptions {
  hint?: string;
  cause?: unknown;
  /** `user@host:port`, when the error concerns one target. */
  target?: string;
}

/** Every error the ssh transport throws. `target` names the connection it concerns. */
export class SshError<Code extends SshErrorCode = SshErrorCode> extends StratumError<Code> {
  static override readonly marker: string = '@stratum/provider-ssh/SshError';

  readonly target: string | undefined;

  constructor(code: Code, message: string, options: SshErrorOptions = {}) {
    super(code, message, { hint: options.hint, cause: options.cause });
    this.name = 'SshError';
    this.target = options.target;
  }
}

/** One identity the client offered (or could not offer) during authentication. */
export interface IdentityAttempt {
  /** `ssh-agent (<socket>)` or the identity file's path. */
  readonly source: string;
  /** What became of it: `rejected`, `not found`, `encrypted: ...`, `agent error: ...`. */
  readonly outcome: string;
}

export class AuthFailedError extends SshError<'AuthFailed'> {
  static override readonly marker: string = '@stratum/provider-ssh/AuthFailedError';

  readonly identities: readonly IdentityAttempt[];

  constructor(target: string, identities: readonly IdentityAttempt[]) {
    const tried =
      identities.length === 0
        ? 'no identity was available (no ssh-agent, no identity file found)'
        : `tried ${identities.map((i) => `${i.source} (${i.outcome})`).join(', ')}`;
    super('AuthFailed', `ssh: permission denied for ${target}: ${tried}`, {
      target,
      hint:
        "Add your public key to the remote user's ~/.ssh/authorized_keys, load the right key into " +
        'ssh-agent (ssh-add), or point IdentityFile at it in ~/.ssh/config. Passwords are not supported.',
    });
    this.name = 'AuthFailedError';
    this.identities = identities;
  }
}

export interface HostKeyChangedDetails {
  target: string;
  /** The name looked up in known_hosts: `host`, or `[host]:port` off port 22. */
  knownHostsName: string;
  knownHostsFile: string;
  /** 1-based line of the entry that no longer matches. */
  line: number;
  expectedFingerprint: string;
  actualFingerprint: string;
  /** The key type the host presented (`ssh-ed25519`, ...). */
  actualKeyType: string;
}

export class HostKeyChangedError extends SshError<'HostKeyChanged'> {
  static override readonly marker: string = '@stratum/provider-ssh/HostKeyChangedError';

  readonly knownHostsName: string;
  readonly knownHostsFile: string;
  readonly line: number;
  readonly expectedFingerprint: string;
  readonly actualFingerprint: string;

  constructor(d: HostKeyChangedDetails) {
    super(
      'HostKeyChanged',
      `ssh: the host key of ${d.knownHostsName} has changed: known_hosts expects ${d.expectedFingerprint} ` +
        `(${d.knownHostsFile}:${d.line}) but the host presented ${d.actualKeyType} ${d.actualFingerprint}; ` +
        'refusing to connect (this could be a man-in-the-middle attack)',
      {
        target: d.target,
        hint:
          `Verify the new key with the host's administrator; if it is legitimate, remove line ${d.line} from ` +
          `${d.knownHostsFile} (or run: ssh-keygen -R '${d.knownHostsName}' -f ${d.knownHostsFile}) and retry.`,
      },
    );
    this.name = 'HostKeyChangedError';
    this.knownHostsName = d.knownHostsName;
    this.knownHostsFile = d.knownHostsFile;
    this.line = d.line;
    this.expectedFingerprint = d.expectedFingerprint;
    this.actualFingerprint = d.actualFingerprint;
  }
}

export interface HostKeyUnknownDetails {
  /** `user@host:port`. */
  target: string;
  /** The host as the operator knows it: `host`, or `host:port` off port 22. */
  host: string;
  hostname: string;
  port: number;
  /** The name looked up in known_hosts: `host`, `[host]:port` off port 22, or the HostKeyAlias. */
  knownHostsName: string;
  /** Every known_hosts file checked; the first is where a new key would go. */
  knownHostsFiles: readonly string[];
  /** `SHA256:...` of the key the host presented. */
  fingerprint: string;
  /** Its type (`ssh-ed25519`, ...). */
  keyType: string;
  /** The ssh config value that refused it. */
  policy: 'yes' | 'ask';
  /** ssh config `HostKeyAlias`, when set: the name a known_hosts line must carry. */
  hostKeyAlias: string | undefined;
}

export class HostKeyUnknownError extends SshError<'HostKeyUnknown'> {
  static override readonly marker: string = '@stratum/provider-ssh/HostKeyUnknownError';

  readonly knownHostsName: string;
  readonly knownHostsFiles: readonly string[];
  readonly fingerprint: string;
  readonly keyType: string;

  constructor(d: HostKeyUnknownDetails) {
    const files = d.knownHostsFiles;
    const where = files.length === 1 ? files[0] : `any of ${files.join(', ')}`;
    const file = files[0] ?? '~/.ssh/known_hosts';
    const keyscan = `ssh-keyscan ${d.port === 22 ? '' : `-p ${d.port} `}${d.hostname} >> ${file}`;
    super(
      'HostKeyUnknown',
      `ssh: ${d.host} is not a known host: its ${d.keyType} key ${d.fingerprint} is not in ${where}, ` +
        `and ssh config sets StrictHostKeyChecking ${d.policy} for it; refusing to connect`,
      {
        target: d.target,
        hint:
          `Check ${d.fingerprint} with the host's administrator, then add the key with \`${keyscan}\`` +
          (d.hostKeyAlias ? ` (then put ${d.hostKeyAlias} in place of the host name on the new lines)` : '') +
          ' or by connecting once with `ssh -o StrictHostKeyChecking=ask` and confirming it; ' +
          'or set StrictHostKeyChecking accept-new for this host in ssh config.',
      },
    );
    this.name = 'HostKeyUnknownError';
    this.knownHostsName = d.knownHostsName;
    this.knownHostsFiles = Object.freeze([...files]);
    this.fingerprint = d.fingerprint;
    this.keyType = d.keyType;
  }
}

export class CommandTimeoutError extends SshError<'CommandTimeout'> {
  static override readonly marker: string = '@stratum/provider-ssh/CommandTimeoutError';

  /** The first line of the command, shortened. */
  readonly command: string;
  readonly timeoutMs: number;

  constructor(target: string, command: string, timeoutMs: number) {
    const summary = commandSummary(command);
    super(
      'CommandTimeout',
      `ssh: command \`${summary}\` on ${target} timed out after ${timeoutMs} ms and was killed`,
      {
        target,
        hint: 'Raise the timeout for this command if it is expected to run that long, or check why it hangs (is it waiting for input?).',
      },
    );
    this.name = 'CommandTimeoutError';
    this.command = summary;
    this.timeoutMs = timeoutMs;
  }
}

export class ConnectionLostError extends SshError<'ConnectionLost'> {
  static override readonly marker: string = '@stratum/provider-ssh/ConnectionLostError';

  readonly command: string;
  /** False only when we know the command never started (the channel never opened). */
  readonly mayHaveRun: boolean;

  constructor(target: string, command: string, mayHaveRun: boolean, cause?: unknown) {
    const summary = commandSummary(command);
    super(
      'ConnectionLost',
      mayHaveRun
        ? `ssh: the connection to ${target} dropped while \`${summary}\` was running; the command may or may not have run`
        : `ssh: the connection to ${target} dropped before \`${summary}\` could start`,
      {
        target,
        cause,
        hint: mayHaveRun
          ? 'Check the host to see whether the change was made, then run again; a change is never replayed automatically.'
          : 'Check that the host is up and sshd is running, then run again.',
      },
    );
    this.name = 'ConnectionLostError';
    this.command = summary;
    this.mayHaveRun = mayHaveRun;
  }
}

/** The first line of `command`, cut to a length an error message can carry. */
export function commandSummary(command: string): string {
  const lines = command.split('\n');
  let first = (lines.find((l) => l.trim() !== '') ?? '').trim();
  const more = lines.filter((l) => l.trim() !== '').length > 1;
  if (first.length > 120) first = `${first.slice(0, 117)}...`;
  else if (more) first = `${first} ...`;
  return first;
}
