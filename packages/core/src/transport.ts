/**
 * How providers reach hosts. Core only defines the contract; `@stratum/provider-ssh`
 * implements it on a pooled ssh2 connection, tests may use the in-memory
 * recorder from `@stratum/core/test`. Providers never open connections themselves.
 */

/** Bytes to stream into the command's stdin. Binary safe; async iterables stream in constant memory. */
export type StdinSource = string | Uint8Array | AsyncIterable<Uint8Array>;

export interface ExecOptions {
  stdin?: StdinSource | undefined;
  /** Kill the command (and fail with a timeout error) after this long. The transport has a default. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /**
   * The command only reads. A read may be retried after a dropped connection;
   * a mutation never is (it may already have run).
   */
  idempotent?: boolean | undefined;
  /**
   * Receives stdout as it arrives, decoded as UTF-8 (characters split across
   * packets are kept whole). When given, the result's `stdout` is empty: the
   * text went here instead. Only transports with `streaming` call it.
   */
  onStdout?: ((text: string) => void) | undefined;
  /**
   * The command keeps its channel for a long time, waiting on its stdin (the
   * engine's session shell). A transport that runs a bounded number of
   * commands at once per connection may refuse such a command, rejecting at
   * once instead of waiting, when it would take a slot the other commands
   * need: held while its caller waits for one of those, it could otherwise
   * never be given back. The caller then runs its commands by plain `exec`.
   */
  longLived?: boolean | undefined;
  /**
   * For a `longLived` command: called (at most once) when the transport needs
   * its channel back, because every channel of the connection is held by
   * long-lived commands and an ordinary command is waiting (a server that
   * allows fewer channels than the transport assumed). The caller should send
   * nothing more and end the stdin once the work already sent is done.
   */
  onPreempt?: (() => void) | undefined;
}

/** A finished command. A non-zero exit is data, not an exception: the caller decides. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Transport {
  /**
   * Run `command` through the remote user's shell on `host`, where `host` is the
   * resource's `host` attribute (`user@addr`, an ssh config alias, ...).
   * Rejects only when the command could not run (unreachable, auth, timeout).
   */
  exec(host: string, command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * True when `exec` streams both ways: it reads an async-iterable stdin as
   * it is produced (not all of it first) and reports stdout through
   * `onStdout` as it arrives. A caller may then write stdin in reply to
   * output — the engine runs an apply's consecutive commands on a host
   * through one long-lived shell this way (`engine/shell-session.ts`).
   */
  readonly streaming?: boolean | undefined;
  /**
   * Start reaching `host` now, because commands for it follow. An apply calls
   * it once per host as soon as a step's operation for that host is built, so
   * connection set-up (a key exchange, authentication) overlaps building the
   * other steps. Never throws; a failure is what the next `exec` on `host`
   * reports, once, as if that exec had made the attempt.
   */
  prepare?(host: string): void;
}
