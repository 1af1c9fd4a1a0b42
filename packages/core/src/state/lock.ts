import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { type LockInfo, StateError, StateLockedError } from './errors';
import { errorText } from './load';
import { stateTarget } from './target';

/** Options of {@link acquireStateLock}. */
export interface StateLockOptions {
  /** What the run is doing, recorded in the lock for others' error messages (e.g. `stratum apply`). */
  command?: string | undefined;
  /** Called when a lock left by a dead process on this machine is taken over. */
  onStaleLock?: ((stale: LockInfo, lockPath: string) => void) | undefined;
}

/** A held state lock. */
export interface StateLock {
  /** The lock file, `<state>.lock`. */
  readonly path: string;
  /** What the lock file records about us. */
  readonly info: LockInfo;
  /**
   * Removes the lock file if it is still ours (same pid, host and start time).
   * Idempotent; never removes a lock another run has since taken.
   */
  release(): Promise<void>;
}

/** The lock file guarding the state file at `statePath`. */
export function lockPathFor(statePath: string): string {
  return `${statePath}.lock`;
}

/**
 * Takes the lock of the state file at `statePath`: creates `<state>.lock`
 * exclusively (`O_EXCL`), holding `{ pid, host, startedAt, command }` as JSON.
 *
 * When the lock exists:
 * - held by a process on this machine that no longer runs (`kill(pid, 0)` says
 *   ESRCH) — the lock is stale: it is taken over and `onStaleLock` is told;
 * - otherwise (a live process, another machine, or a lock file we cannot parse)
 *   a {@link StateLockedError} names the holder; stratum never guesses that a
 *   lock it cannot check is abandoned.
 */
export async function acquireStateLock(
  statePath: string,
  options: StateLockOptions = {},
): Promise<StateLock> {
  const path = lockPathFor(await stateTarget(statePath));
  const info: LockInfo = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...(options.command === undefined ? {} : { command: options.command }),
  };
  const text = `${JSON.stringify(info, null, 2)}\n`;
  await mkdir(dirname(path), { recursive: true }).catch(() => undefined);

  // Two rounds: one try, and one more after removing a stale lock. Losing the
  // second round means another run took the lock in between, which is contention.
  for (let round = 0; round < 2; round++) {
    if (await tryCreate(path, text)) return heldLock(path, info);
    const holderText = await readLock(path);
    if (holderText === undefined) continue; // Released between our create and our read.
    const holder = parseLockInfo(holderText);
    if (holder === undefined || !isStale(holder) || round > 0) throw lockedError(path, holder);
    if (await removeStaleLock(path, holderText, text)) options.onStaleLock?.(holder, path);
  }
  const holderText = await readLock(path);
  throw lockedError(path, holderText === undefined ? undefined : parseLockInfo(holderText));
}

async function tryCreate(path: string, text: string): Promise<boolean> {
  let created = false;
  try {
    const handle = await open(path, 'wx', 0o600);
    created = true;
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    // A lock that was never completely written (a full disk) must not outlive
    // the failure: it would block every later run as "cannot be parsed".
    if (created) await unlink(path).catch(() => undefined);
    if (!created && (error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StateError('StateLockFailed', path, `cannot create lock file ${path}: ${errorText(error)}`, {
      hint: 'check that the state directory is writable',
      cause: error,
    });
  }
}

async function readLock(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateError('StateLockFailed', path, `cannot read lock file ${path}: ${errorText(error)}`, {
      hint: 'check the permissions of the state directory',
      cause: error,
    });
  }
}

/** Parses a lock file; undefined when it is not one (empty, truncated, foreign). */
export function parseLockInfo(text: string): LockInfo | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { pid, host, startedAt, command } = raw as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return undefined;
  if (typeof host !== 'string' || typeof startedAt !== 'string') return undefined;
  return { pid: pid as number, host, startedAt, ...(typeof command === 'string' ? { command } : {}) };
}

/** Stale: the holder ran on this machine and its process is gone. Another machine's lock is never stale to us. */
function isStale(holder: LockInfo): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user — alive.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The guard file whose exclusive creation gives one run the right to remove a stale lock. */
export function takeoverPathFor(lockPath: string): string {
  return `${lockPath}.takeover`;
}

/**
 * Removes a stale lock without ever removing a live one. Only the run that
 * exclusively created the takeover guard may remove the lock, and it first
 * checks, under the guard, that the lock is still the stale one it inspected.
 * Nothing else ever deletes a lock but its own holder, so between that check
 * and the unlink the lock cannot change. (Moving the lock aside and putting it
 * back when it was fresh, as an earlier version did, left a moment with no lock
 * file at all in which a third run could take the lock too.)
 *
 * Losing the guard to another run is contention: false, and the caller's next
 * round meets that run's fresh lock. A guard left by a run that died inside
 * this function is not removed automatically (that removal would race in the
 * same way); the error says which files to remove.
 */
async function removeStaleLock(path: string, staleText: string, text: string): Promise<boolean> {
  const guard = takeoverPathFor(path);
  if (!(await tryCreate(guard, text))) {
    const guardText = await readLock(guard);
    const guardHolder = guardText === undefined ? undefined : parseLockInfo(guardText);
    if (guardHolder !== undefined && isStale(guardHolder)) {
      throw new StateLockedError(
        path,
        `state is locked: pid ${guardHolder.pid} died while taking over a stale lock, leaving ${guard}`,
        guardHolder,
        `if no stratum run is using this state, remove ${path} and ${guard} and retry`,
      );
    }
    return false;
  }
  try {
    if ((await readLock(path)) !== staleText) return false;
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return;
      throw new StateError(
        'StateLockFailed',
        path,
        `cannot remove stale lock file ${path}: ${errorText(error)}`,
        {
          hint: 'remove the lock file by hand once you are sure no stratum run uses this state',
          cause: error,
        },
      );
    });
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

function lockedError(path: string, holder: LockInfo | undefined): StateLockedError {
  if (holder === undefined) {
    return new StateLockedError(
      path,
      `state is locked: lock file ${path} exists but cannot be parsed`,
      undefined,
      `if no stratum run is using this state, remove ${path} and retry`,
    );
  }
  const by = holder.command === undefined ? '' : ` (${holder.command})`;
  return new StateLockedError(
    path,
    `state is locked by pid ${holder.pid} on ${holder.host} since ${holder.startedAt}${by}`,
    holder,
    `wait for that run to finish; if it is gone (e.g. the machine crashed), remove ${path} and retry`,
  );
}

function heldLock(path: string, info: LockInfo): StateLock {
  let released = false;
  return {
    path,
    info,
    async release() {
      if (released) return;
      released = true;
      const text = await readFile(path, 'utf8').catch(() => undefined);
      const current = text === undefined ? undefined : parseLockInfo(text);
      if (current?.pid === info.pid && current.host === info.host && current.startedAt === info.startedAt) {
        await unlink(path).catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return;
          throw new StateError(
            'StateLockFailed',
            path,
            `cannot remove lock file ${path}: ${errorText(error)}`,
            {
              hint: `remove ${path} by hand before the next run`,
              cause: error,
            },
          );
        });
      }
    },
  };
}
