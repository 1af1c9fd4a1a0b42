import { readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { type LockInfo, lockPathFor, parseLockInfo, stateTarget, takeoverPathFor } from '@stratum/core';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import { isStateUrl } from '../sources';
import { configuredSources, type StateTransferFlags } from './state-transfer';

/**
 * `stratum state unlock`: removes the lock files a dead run left beside a
 * state file (and `_shared.json` in namespace mode). A lock whose holder runs
 * on this machine and is alive is never broken; one from another machine,
 * which cannot be checked from here, only with `--force`.
 */
export async function runStateUnlock(flags: StateTransferFlags, io: CliIo): Promise<number> {
  const sources = configuredSources(flags, io);
  if (isStateUrl(sources.statePath)) {
    io.out(
      'nothing to unlock: a PostgreSQL state lock is a session lock the server releases the moment its run ends or dies; a refused run names the live holder',
    );
    return 0;
  }
  const states = [sources.statePath, ...(sources.sharedStatePath ? [sources.sharedStatePath] : [])];
  let removed = 0;
  for (const state of states) {
    const lock = lockPathFor(await stateTarget(state));
    for (const path of [lock, takeoverPathFor(lock)]) {
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const holder = parseLockInfo(text);
      if (holder !== undefined) checkBreakable(holder, path, flags.force ?? false);
      await unlink(path).catch(() => undefined);
      removed += 1;
      io.out(
        holder === undefined
          ? `removed unreadable lock file ${path}`
          : `removed ${path} (left by pid ${holder.pid} on ${holder.host} since ${holder.startedAt})`,
      );
    }
  }
  if (removed === 0) io.out(`no lock on ${sources.statePath}`);
  return 0;
}

function checkBreakable(holder: LockInfo, path: string, force: boolean): void {
  const by = `pid ${holder.pid} on ${holder.host}${holder.command === undefined ? '' : ` (${holder.command})`}`;
  if (holder.host === hostname()) {
    if (!isAlive(holder.pid)) return;
    throw new CliError('StateLockHeld', `refusing to unlock ${path}: its holder, ${by}, is still running`, {
      hint: `wait for it to finish, or stop it (kill ${holder.pid}); its lock goes with it`,
    });
  }
  if (force) return;
  throw new CliError(
    'StateLockHeld',
    `refusing to unlock ${path}: its holder, ${by}, runs on another machine and cannot be checked from here`,
    {
      hint: `make sure that run is gone, then run \`stratum state unlock --force\``,
    },
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
