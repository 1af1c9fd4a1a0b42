import type { State } from '../types';
import type { LockInfo } from './errors';
import { loadState } from './load';
import { acquireStateLock } from './lock';
import { saveState } from './save';
import { loadMerged, saveSplit } from './split';

/**
 * Where state lives. The engine reads it, holds its lock for a whole apply and
 * writes it after every step; a backend decides how. The file backends below
 * keep the spec's state file format; other backends (a database) implement
 * the same four members.
 */
export interface StateBackend {
  /** How messages name the state: a path, or a URL without credentials. */
  readonly location: string;
  /** The current state; an empty one where none was written yet. */
  read(): Promise<State>;
  /**
   * Takes the lock that keeps two runs from writing at once, held until
   * `release`. Refuses (`StateLocked`) while another live run holds it.
   */
  lock(options?: StateLockRequest): Promise<StateLease>;
  /** Persists the working state after the step that added, changed or removed entry `key`. */
  write(state: State, key: string): Promise<void>;
}

/** What a run says about itself when it takes the lock. */
export interface StateLockRequest {
  /** Recorded for others' error messages, e.g. `stratum apply`. */
  readonly command?: string | undefined;
  /** Told when a lock left by a dead run was taken over. */
  readonly onStaleLock?: ((stale: LockInfo, where: string) => void) | undefined;
}

/** A held state lock. */
export interface StateLease {
  /** Releases the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
}

/** State in one JSON file (bundle mode): `path`, locked by `path.lock`. */
export function fileStateBackend(path: string): StateBackend {
  return {
    location: path,
    read: () => loadState(path),
    lock: (options = {}) => acquireStateLock(path, options),
    write: (state) => saveState(path, state),
  };
}

/**
 * Namespace mode's state: the namespace's own file plus `_shared.json` for the
 * implicit per-host resources (see `saveSplit`). Both are locked, the
 * namespace's first — always in that order, so two namespaces' applies cannot
 * deadlock.
 */
export function splitStateBackend(namespacePath: string, sharedPath: string): StateBackend {
  return {
    location: namespacePath,
    read: () => loadMerged(namespacePath, sharedPath),
    async lock(options = {}) {
      const own = await acquireStateLock(namespacePath, options);
      try {
        const shared = await acquireStateLock(sharedPath, options);
        return {
          async release() {
            await shared.release();
            await own.release();
          },
        };
      } catch (error) {
        await own.release();
        throw error;
      }
    },
    write: (state) => saveSplit(namespacePath, sharedPath, state),
  };
}
