import { StratumError } from '../errors';

/** Every code a state-file error can carry. */
export type StateErrorCode =
  /** The file exists but could not be read (permissions, a directory, I/O error). */
  | 'StateUnreadable'
  /** The file is not JSON, or not shaped like a stratum state file. */
  | 'StateCorrupt'
  /** The file was written by a newer stratum whose format this one does not know. */
  | 'StateVersionUnsupported'
  /** Writing the file failed; the previous file is left as it was. */
  | 'StateWriteFailed'
  /** The journal beside the state file (an unfinished apply's steps) has a line that is not a journal record. */
  | 'StateJournalCorrupt'
  /** The journal was written on top of another state file than the one now at the path. */
  | 'StateJournalMismatch'
  /** `state merge` was given fewer than two inputs, or an input that does not exist. */
  | 'StateMergeInputs'
  /** `state merge` would overwrite an existing output file. */
  | 'StateMergeOutputExists'
  /** `state merge` found the same `<kind>.<name>` in two inputs. */
  | 'StateMergeConflict'
  /** Another stratum run holds the state lock. */
  | 'StateLocked'
  /** The lock file could not be created, read or removed. */
  | 'StateLockFailed';

/**
 * A problem with a state file (or its lock). `path` is the file concerned;
 * the message names it too, so the error reads well on its own.
 */
export class StateError extends StratumError<StateErrorCode> {
  static override readonly marker: string = '@stratum/core/StateError';

  /** The state (or lock) file the error is about. */
  readonly path: string;

  constructor(
    code: StateErrorCode,
    path: string,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.name = 'StateError';
    this.path = path;
  }
}

/** What a lock file records about the run holding it. */
export interface LockInfo {
  /** Process id of the holder, on `host`. */
  readonly pid: number;
  /** `os.hostname()` of the machine the holder runs on. */
  readonly host: string;
  /** ISO-8601 time the lock was taken. */
  readonly startedAt: string;
  /** What the holder is doing, e.g. `stratum apply`. */
  readonly command?: string | undefined;
  /** Who runs the holder (the OS user name), where the backend records it. */
  readonly user?: string | undefined;
}

/** The state is locked by another run; `holder` says which (undefined when the lock file is unreadable). */
export class StateLockedError extends StateError {
  static override readonly marker: string = '@stratum/core/StateLockedError';

  readonly holder: LockInfo | undefined;

  constructor(path: string, message: string, holder: LockInfo | undefined, hint: string) {
    super('StateLocked', path, message, { hint });
    this.name = 'StateLockedError';
    this.holder = holder;
  }
}
