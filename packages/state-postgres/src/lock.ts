import { type LockInfo, StateLockedError } from '@stratum/core';
import type pg from 'pg';
import { LOCK_CLASS } from './schema';

/** The advisory locks one run holds, with their holder records. */
export interface Locks {
  release(): Promise<void>;
}

/**
 * Takes each state's session-level advisory lock on `client`, in the order
 * given (a namespace's own state first, then the shared one, as the file
 * backend does), and records `info` as its holder. Refused while another
 * session holds one: the error names that session's holder record.
 */
export async function heldLocks(
  client: pg.Client,
  states: readonly { name: string; id: string }[],
  info: LockInfo,
  location: string,
): Promise<Locks> {
  const taken: string[] = [];
  const release = async () => {
    await client.query('DELETE FROM stratum.locks WHERE backend_pid = pg_backend_pid()');
    for (const id of taken.reverse())
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, key(id)]);
  };
  try {
    for (const { name, id } of states) {
      const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [
        LOCK_CLASS,
        key(id),
      ]);
      if (!got.rows[0]?.ok) throw lockedError(location, name, await holderOf(client, id));
      taken.push(id);
      await client.query(
        `INSERT INTO stratum.locks (state_id, backend_pid, who, host, pid, command, since)
         VALUES ($1, pg_backend_pid(), $2, $3, $4, $5, $6)
         ON CONFLICT (state_id) DO UPDATE SET backend_pid = EXCLUDED.backend_pid, who = EXCLUDED.who,
           host = EXCLUDED.host, pid = EXCLUDED.pid, command = EXCLUDED.command, since = EXCLUDED.since`,
        [id, info.user ?? 'unknown', info.host, info.pid, info.command ?? null, info.startedAt],
      );
    }
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
  return { release };
}

/** The advisory lock's second key: the state's id (ids are small; int4 is what the two-key form takes). */
function key(id: string): number {
  return Number(BigInt(id) % 2_147_483_647n);
}

/**
 * The holder record of the session that holds the state's lock now. A record
 * left by a session that is gone (its lock went with it) is not a holder.
 */
async function holderOf(client: pg.Client, id: string): Promise<LockInfo | undefined> {
  const row = await client.query<{
    who: string;
    host: string;
    pid: number;
    command: string | null;
    since: string;
  }>(
    `SELECT l.who, l.host, l.pid, l.command, l.since
       FROM stratum.locks l
      WHERE l.state_id = $1
        AND EXISTS (SELECT 1 FROM pg_locks k
                     WHERE k.locktype = 'advisory' AND k.granted AND k.pid = l.backend_pid
                       AND k.classid = $2::bigint::oid AND k.objid = $3::bigint::oid AND k.objsubid = 2)`,
    [id, LOCK_CLASS, key(id)],
  );
  const found = row.rows[0];
  if (found === undefined) return undefined;
  return {
    pid: found.pid,
    host: found.host,
    startedAt: found.since,
    user: found.who,
    ...(found.command === null ? {} : { command: found.command }),
  };
}

function lockedError(location: string, name: string, holder: LockInfo | undefined): StateLockedError {
  const where = `state \`${name}\` in ${location}`;
  if (holder === undefined) {
    return new StateLockedError(
      location,
      `${where} is locked by another database session that left no holder record`,
      undefined,
      'wait for that run to finish; the lock is a PostgreSQL session lock and is released the moment its connection ends',
    );
  }
  const by = holder.command === undefined ? '' : ` (${holder.command})`;
  return new StateLockedError(
    location,
    `${where} is locked by ${holder.user} (pid ${holder.pid} on ${holder.host}) since ${holder.startedAt}${by}`,
    holder,
    'wait for that run to finish; the lock is a PostgreSQL session lock, released by the server when that run ends or dies, so there is nothing to unlock by hand',
  );
}
