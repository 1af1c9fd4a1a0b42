import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import {
  isSharedKey,
  type LockInfo,
  type ResourceState,
  STATE_VERSION,
  type State,
  type StateBackend,
  StateError,
  type StateErrorCode,
  type StateHistory,
  saveSplit,
  saveState,
} from '@stratum/core';
import pg from 'pg';
import { postgresStateHistory } from './history';
import { heldLocks, type Locks } from './lock';
import { ensureSchema, SchemaTooNew, stateId } from './schema';
import { parseStateUrl, type StateUrl } from './url';

/** Options of {@link postgresStateBackend}. */
export interface PostgresStateOptions {
  /** The state's name when the URL has no `?state=` (default `default`). */
  readonly state?: string | undefined;
  /**
   * Namespace mode: the state that holds the shared `_stratum_*` resources
   * (as `_shared.json` does beside a namespace's file), e.g. `_shared`.
   */
  readonly shared?: string | undefined;
  /** Where a copy of the working state goes when the database fails mid-apply (default `.stratum/recovery`). */
  readonly recoveryDir?: string | undefined;
  /** The environment libpq settings are read from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/**
 * A PostgreSQL state backend; `replace` swaps the whole state in one
 * transaction (`state push`); `history` is the state's record of runs.
 */
export interface PostgresStateBackend extends StateBackend {
  writeMany(state: State, keys: readonly string[]): Promise<void>;
  replace(state: State): Promise<void>;
  readonly history: StateHistory;
}

/**
 * State in a PostgreSQL database (schema `stratum`, created on first use):
 * one row per resource, so a step's `write` is one small upsert or delete.
 * The lock is a session-level advisory lock on a connection held for the
 * whole apply; the server drops it when that connection or the process dies,
 * so it cannot go stale. When the database fails mid-apply, every later
 * write goes to a local recovery copy that the error names.
 */
export function postgresStateBackend(url: string, options: PostgresStateOptions = {}): PostgresStateBackend {
  let parsed: StateUrl;
  try {
    parsed = parseStateUrl(url, options.env);
  } catch (error) {
    throw new StateError('StateUnreadable', 'postgres://', (error as Error).message, {
      hint: 'write the state location as postgres://[user@]host[:port]/database[?state=NAME]',
    });
  }
  const own = parsed.stateName ?? options.state ?? 'default';
  const shared = options.shared;
  const shown = new URL(parsed.location);
  shown.searchParams.set('state', own);
  const location = shown.href;
  const names = shared === undefined ? [own] : [own, shared];

  let held: { client: pg.Client; ids: Map<string, string>; locks: Locks } | undefined;
  let recovery: string | undefined;

  const fail = (code: StateErrorCode, doing: string, error: unknown, hint: string) => {
    if (error instanceof StateError) return error;
    const text = parsed.scrub(error instanceof Error ? error.message : String(error));
    if (error instanceof SchemaTooNew) {
      return new StateError('StateVersionUnsupported', location, `PostgreSQL state ${location}: ${text}`, {
        hint: 'upgrade stratum to the version that set up this database',
      });
    }
    return new StateError(
      code,
      location,
      `cannot ${doing} PostgreSQL state ${location}: ${text || 'connection failed'}`,
      {
        hint,
      },
    );
  };
  const REACH_HINT =
    'check that the server runs and the URL, PGHOST/PGPORT/PGUSER and the password (PGPASSWORD, ~/.pgpass, PGSERVICE) are right';

  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client(parsed.config);
    // A dropped connection is reported on the next query; without a listener it would crash the process.
    client.on('error', () => {});
    try {
      await client.connect();
      await ensureSchema(client);
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  };
  /** Runs `job` on the locked connection, or on a short-lived one when no lock is held. */
  const withClient = async <T>(job: (client: pg.Client) => Promise<T>): Promise<T> => {
    if (held !== undefined) return job(held.client);
    const client = await connect();
    try {
      return await job(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const idOf = async (client: pg.Client, name: string) => {
    const known = held?.client === client ? held.ids.get(name) : undefined;
    return known ?? stateId(client, name);
  };
  const sideOf = (key: string) => (shared !== undefined && isSharedKey(key) ? shared : own);
  /** Stores entry `key` as `entry` holds it, or removes its row when `entry` is undefined. */
  const writeRow = async (client: pg.Client, key: string, entry: ResourceState | undefined) => {
    const id = await idOf(client, sideOf(key));
    if (entry === undefined) {
      await client.query('DELETE FROM stratum.resources WHERE state_id = $1 AND key = $2', [id, key]);
      return;
    }
    await client.query(
      `INSERT INTO stratum.resources (state_id, key, kind, name, provider, attrs, reads, pending_trigger)
       VALUES ($1, $2, $3, $4, $5, $6::json, $7::json, $8::json)
       ON CONFLICT (state_id, key) DO UPDATE
         SET kind = EXCLUDED.kind, name = EXCLUDED.name, provider = EXCLUDED.provider,
             attrs = EXCLUDED.attrs, reads = EXCLUDED.reads, pending_trigger = EXCLUDED.pending_trigger,
             updated_at = now()`,
      [id, key, entry.addr.kind, entry.addr.name, entry.provider, ...entryColumns(entry)],
    );
  };

  const keepLocally = async (state: State): Promise<string> => {
    if (recovery === undefined) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      recovery = join(
        options.recoveryDir ?? join('.stratum', 'recovery'),
        `${stamp}-${process.pid}`,
        `${safe(own)}.json`,
      );
    }
    if (shared === undefined) await saveState(recovery, state);
    else await saveSplit(recovery, join(recovery, '..', '_shared.json'), state);
    return recovery;
  };

  // The entries of steps one vector write did, in one transaction: one
  // commit (one WAL flush on the server) for all of them, not one each.
  const writeMany = async (state: State, keys: readonly string[]): Promise<void> => {
    if (recovery !== undefined) {
      await keepLocally(state);
      return;
    }
    try {
      await withClient(async (client) => {
        const many = keys.length > 1;
        if (many) await client.query('BEGIN');
        try {
          for (const key of keys) await writeRow(client, key, state.resources[key]);
          if (many) await client.query('COMMIT');
        } catch (error) {
          if (many) await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      const path = await keepLocally(state);
      const cause = fail('StateWriteFailed', 'write', error, '');
      throw new StateError(
        'StateWriteFailed',
        location,
        `${cause.message}; this run's state (every step that finished) is kept in ${path}`,
        {
          hint: `when the database is back, review that file and copy it in with \`stratum state push --force -s ${path} '${location}'\` (add -n NAME in namespace mode); the file lock no longer applies, so run nothing else against this state meanwhile`,
        },
      );
    }
  };

  // A namespace's runs are its own: `_shared` is every namespace's and keeps
  // none, as the file layout keeps no `_shared.json.history.jsonl`.
  const history = postgresStateHistory({
    withClient,
    stateId: (client) => idOf(client, own),
    name: own,
    failed: (code, doing, error) => fail(code, doing, error, REACH_HINT),
  });

  return {
    location,

    history,

    async read() {
      try {
        return await withClient(async (client) => {
          const rows = await client.query<Row>(
            `SELECT s.name AS state, r.key, r.kind, r.name, r.provider, r.attrs::text AS attrs,
                    r.reads::text AS reads, r.pending_trigger::text AS pending_trigger
               FROM stratum.states s JOIN stratum.resources r ON r.state_id = s.id
              WHERE s.name = ANY($1)`,
            [names],
          );
          // The shared rows first: the namespace's own entry wins a key both hold, as with the files.
          const resources: Record<string, ResourceState> = {};
          for (const name of [...names].reverse()) {
            for (const row of rows.rows) if (row.state === name) resources[row.key] = entryOf(row);
          }
          return { version: STATE_VERSION, resources };
        });
      } catch (error) {
        throw fail('StateUnreadable', 'read', error, REACH_HINT);
      }
    },

    async lock(request = {}) {
      let client: pg.Client;
      try {
        client = await connect();
      } catch (error) {
        throw fail('StateLockFailed', 'lock', error, REACH_HINT);
      }
      const info: LockInfo = {
        pid: process.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
        user: whoami(),
        ...(request.command === undefined ? {} : { command: request.command }),
      };
      try {
        const ids = new Map<string, string>();
        for (const name of names) ids.set(name, await stateId(client, name));
        const locks = await heldLocks(
          client,
          names.map((name) => ({ name, id: ids.get(name)! })),
          info,
          location,
        );
        held = { client, ids, locks };
      } catch (error) {
        await client.end().catch(() => undefined);
        throw fail('StateLockFailed', 'lock', error, REACH_HINT);
      }
      const mine = held;
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          if (held === mine) held = undefined;
          // On a dead connection the server has already dropped the lock.
          await mine.locks.release().catch(() => undefined);
          await mine.client.end().catch(() => undefined);
        },
      };
    },

    write: (state, key) => writeMany(state, [key]),

    writeMany,

    async replace(state) {
      try {
        await withClient(async (client) => {
          await client.query('BEGIN');
          try {
            const ids = new Map<string, string>();
            for (const name of names) ids.set(name, await stateId(client, name));
            await client.query('DELETE FROM stratum.resources WHERE state_id = ANY($1)', [[...ids.values()]]);
            const columns: (string | null)[][] = [[], [], [], [], [], [], [], []];
            for (const [key, entry] of Object.entries(state.resources)) {
              const values = [
                ids.get(sideOf(key))!,
                key,
                entry.addr.kind,
                entry.addr.name,
                entry.provider,
                ...entryColumns(entry),
              ];
              for (const [i, value] of values.entries()) columns[i]!.push(value);
            }
            await client.query(
              `INSERT INTO stratum.resources (state_id, key, kind, name, provider, attrs, reads, pending_trigger)
               SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::json[],
                                    $7::json[], $8::json[])`,
              columns,
            );
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        throw fail('StateWriteFailed', 'write', error, `${REACH_HINT}; nothing was changed in the database`);
      }
    },
  };
}

interface Row {
  state: string;
  key: string;
  kind: string;
  name: string;
  provider: string;
  attrs: string;
  reads: string | null;
  pending_trigger: string | null;
}

/** A row as a state entry, with the file format's field order (see `orderedEntry`). */
function entryOf(row: Row): ResourceState {
  return {
    addr: { kind: row.kind, name: row.name },
    provider: row.provider,
    attrs: JSON.parse(row.attrs),
    ...(row.reads === null ? {} : { reads: JSON.parse(row.reads) as string[] }),
    ...(row.pending_trigger === null ? {} : { pending_trigger: JSON.parse(row.pending_trigger) as string[] }),
  };
}

/** The `attrs`, `reads` and `pending_trigger` columns of an entry; NULL where the entry has no such field. */
function entryColumns(entry: ResourceState): [string, string | null, string | null] {
  return [
    JSON.stringify(entry.attrs),
    entry.reads === undefined ? null : JSON.stringify(entry.reads),
    entry.pending_trigger === undefined ? null : JSON.stringify(entry.pending_trigger),
  ];
}

function whoami(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

/** A state name as a file name. */
function safe(name: string): string {
  return name.replace(/[^\w.-]/g, '_');
}
