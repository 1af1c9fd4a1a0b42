import { existsSync } from 'node:fs';
import type { ResourceState, State } from '../types';
import type { LockInfo } from './errors';
import { fileStateHistory, type StateHistory } from './history';
import { journalPathFor } from './journal';
import { JournaledStateFile } from './journaled-file';
import { loadState } from './load';
import { acquireStateLock } from './lock';
import { saveState } from './save';
import { isSharedKey, loadMerged, saveSplit, splitState } from './split';
import { stateTarget } from './target';

/**
 * Where state lives. The engine reads it, holds its lock for a whole apply,
 * writes it after every step and flushes it when the apply ends; a backend
 * decides how. The file backends below keep the spec's state file format,
 * with a journal during an apply (see `journal.ts`); other backends (a
 * database) implement the same members.
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
  /**
   * Persists the working state after the step that added, changed or removed
   * entry `key`: durable when it resolves, and costing about the size of that
   * entry, not of the whole state. Called under the lock.
   */
  write(state: State, key: string): Promise<void>;
  /**
   * {@link write} for several entries whose steps finished together (one
   * vector write did them on the host): all durable when it resolves. When it
   * fails, some may have been recorded, which is true of the host all the
   * same. Optional: without it the engine calls `write` once per key; a
   * backend that can make them durable at once (one flush, one transaction)
   * should have it.
   */
  writeMany?(state: State, keys: readonly string[]): Promise<void>;
  /**
   * Called once when an apply ends, whether it succeeded, failed or was
   * interrupted, while the lock is still held: brings the stored state into
   * its own format (the file backends fold their journal into the state file).
   * What `write` persisted is durable either way; a run that dies before
   * `flush` loses nothing. Optional: a backend whose writes are already in
   * their final form needs none.
   */
  flush?(): Promise<void>;
  /**
   * Replaces the whole stored state with `state` at once (`state push`).
   * Called under the lock. Optional: a backend without it cannot be a push target.
   */
  replace?(state: State): Promise<void>;
  /**
   * The record of runs (`stratum state history`). Optional: a backend
   * without it keeps no history, and the CLI says so.
   */
  readonly history?: StateHistory | undefined;
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

/**
 * State in one JSON file (bundle mode): `path`, locked by `path.lock`, with
 * `path.journal` during an apply. A run's first write rewrites the whole file,
 * the later ones append to the journal, and `flush` folds it back in.
 */
export function fileStateBackend(path: string): StateBackend {
  const file = new JournaledStateFile(path);
  const serially = serialQueue();
  /** The working state of the last write: what `flush` writes. */
  let latest: State | undefined;
  const writeMany = (state: State, keys: readonly string[]) =>
    serially(async () => {
      latest = state;
      if (file.inSession) await file.appendMany(entriesOf(state, keys));
      else await file.rewrite(state);
    });
  return {
    location: path,
    read: () => loadState(path),
    lock: (options = {}) => acquireStateLock(path, options),
    write: (state, key) => writeMany(state, [key]),
    writeMany,
    flush: () =>
      serially(async () => {
        await file.end();
        // Without writes this run, a journal a dead run left is folded all the same.
        const state = latest ?? ((await journalPending(path)) ? await loadState(path) : undefined);
        latest = undefined;
        if (state !== undefined) await saveState(path, state);
      }),
    replace: (state) => serially(() => saveState(path, state)),
    history: fileStateHistory(path),
  };
}

/**
 * Namespace mode's state: the namespace's own file plus `_shared.json` for the
 * implicit per-host resources (see `saveSplit`), each with its own journal.
 * Both are locked, the namespace's first — always in that order, so two
 * namespaces' applies cannot deadlock.
 */
export function splitStateBackend(namespacePath: string, sharedPath: string): StateBackend {
  const own = new JournaledStateFile(namespacePath);
  const shared = new JournaledStateFile(sharedPath);
  const serially = serialQueue();
  let latest: State | undefined;
  const writeMany = (state: State, keys: readonly string[]) =>
    serially(async () => {
      latest = state;
      if (own.inSession && shared.inSession) {
        // The shared file first, as saveSplit does.
        await shared.appendMany(entriesOf(state, keys.filter(isSharedKey)));
        await own.appendMany(
          entriesOf(
            state,
            keys.filter((key) => !isSharedKey(key)),
          ),
        );
        return;
      }
      const parts = splitState(state);
      await shared.rewrite(parts.shared);
      await own.rewrite(parts.ns);
    });
  return {
    location: namespacePath,
    read: () => loadMerged(namespacePath, sharedPath),
    async lock(options = {}) {
      const ownLock = await acquireStateLock(namespacePath, options);
      try {
        const sharedLock = await acquireStateLock(sharedPath, options);
        return {
          async release() {
            await sharedLock.release();
            await ownLock.release();
          },
        };
      } catch (error) {
        await ownLock.release();
        throw error;
      }
    },
    write: (state, key) => writeMany(state, [key]),
    writeMany,
    flush: () =>
      serially(async () => {
        await shared.end();
        await own.end();
        const pending = (await journalPending(namespacePath)) || (await journalPending(sharedPath));
        const state = latest ?? (pending ? await loadMerged(namespacePath, sharedPath) : undefined);
        latest = undefined;
        if (state !== undefined) await saveSplit(namespacePath, sharedPath, state);
      }),
    replace: (state) => serially(() => saveSplit(namespacePath, sharedPath, state)),
    // A namespace's runs beside its own file: `_shared.json` is every namespace's.
    history: fileStateHistory(namespacePath),
  };
}

/** The journal records of `keys`: each one's entry in `state`, undefined where it was removed. */
function entriesOf(state: State, keys: readonly string[]): [string, ResourceState | undefined][] {
  return keys.map((key) => [key, state.resources[key]]);
}

/** True when a journal lies beside the state file at `path`. */
async function journalPending(path: string): Promise<boolean> {
  return existsSync(journalPathFor(await stateTarget(path)));
}

/** Runs operations one at a time, in call order; a failed one does not stop the next. */
function serialQueue(): <T>(operation: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (operation) => {
    const run = tail.then(operation);
    tail = run.catch(() => undefined);
    return run;
  };
}
