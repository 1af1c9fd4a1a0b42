import type { ClientBase } from 'pg';

/** The schema version this package creates and reads. */
export const SCHEMA_VERSION = 2;

/** Advisory-lock class of everything stratum locks, so its keys never meet another application's. */
export const LOCK_CLASS = 0x5374_7261; // "Stra"

/**
 * Version 1. One row per state (a bundle's state, a namespace, `_shared`) and
 * one row per resource of a state, so a step's save touches one small row.
 * `attrs` is `json`, not `jsonb`: it keeps the text as written, so key order
 * survives and `state pull` reproduces a state file byte for byte. `locks`
 * holds the record of who holds a state's advisory lock, for the refusal message.
 */
const V1 = `
CREATE SCHEMA IF NOT EXISTS stratum;
CREATE TABLE IF NOT EXISTS stratum.meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE IF NOT EXISTS stratum.states (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS stratum.resources (
  state_id bigint NOT NULL REFERENCES stratum.states (id) ON DELETE CASCADE,
  key text NOT NULL,
  kind text NOT NULL,
  name text NOT NULL,
  provider text NOT NULL,
  attrs json NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (state_id, key)
);
CREATE TABLE IF NOT EXISTS stratum.locks (
  state_id bigint PRIMARY KEY REFERENCES stratum.states (id) ON DELETE CASCADE,
  backend_pid integer NOT NULL,
  who text NOT NULL,
  host text NOT NULL,
  pid integer NOT NULL,
  command text,
  since text NOT NULL
);
INSERT INTO stratum.meta (key, value) VALUES ('schema_version', '1') ON CONFLICT (key) DO NOTHING;
`;

/**
 * Version 2: run history (`stratum state history`). A run is a row of `runs`,
 * inserted when it starts and updated when it ends, and its steps are rows of
 * `run_steps`, rather than one table of `started` / `finished` entries folded
 * on read: a team on the database can ask it directly which runs failed, or
 * which touched a resource, and a run killed mid-way is simply a row whose
 * `result` is still NULL (shown as `incomplete`). `seq` keeps the order runs
 * were recorded in, for runs that started in the same millisecond. `args` and
 * `configs` are `json`, as the CLI's `--json` shows them. Every column comes
 * from an entry that passed the history's secret scrubbing.
 *
 * It also gives each resource row the two optional fields of a state entry
 * besides `attrs`: `reads` (the references it read, for teardown order) and
 * `pending_trigger` (a re-run still owed), NULL when absent — version 1
 * kept neither, so an owed re-run did not survive on the database.
 */
const V2 = `
CREATE TABLE IF NOT EXISTS stratum.runs (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  state_id bigint NOT NULL REFERENCES stratum.states (id) ON DELETE CASCADE,
  id text NOT NULL,
  kind text NOT NULL,
  who text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL,
  args json NOT NULL,
  configs json NOT NULL,
  finished_at timestamptz,
  result text CHECK (result IN ('ok', 'failed')),
  error text,
  UNIQUE (state_id, id)
);
CREATE INDEX IF NOT EXISTS runs_by_start ON stratum.runs (state_id, started_at DESC, seq DESC);
CREATE TABLE IF NOT EXISTS stratum.run_steps (
  state_id bigint NOT NULL,
  run_id text NOT NULL,
  ordinal integer NOT NULL,
  address text NOT NULL,
  action text NOT NULL,
  result text NOT NULL CHECK (result IN ('ok', 'failed', 'skipped')),
  error text,
  PRIMARY KEY (state_id, run_id, ordinal),
  FOREIGN KEY (state_id, run_id) REFERENCES stratum.runs (state_id, id) ON DELETE CASCADE
);
ALTER TABLE stratum.resources ADD COLUMN IF NOT EXISTS reads json;
ALTER TABLE stratum.resources ADD COLUMN IF NOT EXISTS pending_trigger json;
UPDATE stratum.meta SET value = '2' WHERE key = 'schema_version';
`;

/** The migration to each version from the one before; index 0 makes version 1 from nothing. */
const MIGRATIONS = [V1, V2] as const;

/** Thrown when the database was set up by a newer stratum. */
export class SchemaTooNew extends Error {
  constructor(readonly found: number) {
    super(
      `the database holds stratum state schema version ${found}; this stratum knows version ${SCHEMA_VERSION}`,
    );
  }
}

/**
 * Creates the schema if it is missing, and brings an older one up to
 * {@link SCHEMA_VERSION} in place (rows kept). Idempotent and safe when several
 * runs start at once: the migrations run in one transaction under a
 * transaction-level advisory lock, and the version is read again once the
 * lock is held, so one run migrates and the others find it done — and a run
 * never marks down a database a newer stratum migrated meanwhile.
 */
export async function ensureSchema(client: ClientBase): Promise<void> {
  const seen = await schemaVersion(client);
  if (seen === SCHEMA_VERSION) return;
  if (seen !== undefined && seen > SCHEMA_VERSION) throw new SchemaTooNew(seen);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_CLASS]);
    const found = (await schemaVersion(client)) ?? 0;
    if (found > SCHEMA_VERSION) throw new SchemaTooNew(found);
    for (const migration of MIGRATIONS.slice(found)) await client.query(migration);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function schemaVersion(client: ClientBase): Promise<number | undefined> {
  const table = await client.query<{ exists: boolean }>(
    `SELECT to_regclass('stratum.meta') IS NOT NULL AS exists`,
  );
  if (!table.rows[0]?.exists) return undefined;
  const row = await client.query<{ value: string }>(
    `SELECT value FROM stratum.meta WHERE key = 'schema_version'`,
  );
  return row.rows[0] === undefined ? undefined : Number(row.rows[0].value);
}

/** The id of the state called `name`, created when it does not exist yet. */
export async function stateId(client: ClientBase, name: string): Promise<string> {
  const inserted = await client.query<{ id: string }>(
    'INSERT INTO stratum.states (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id',
    [name],
  );
  if (inserted.rows[0] !== undefined) return inserted.rows[0].id;
  const row = await client.query<{ id: string }>('SELECT id FROM stratum.states WHERE name = $1', [name]);
  return row.rows[0]!.id;
}
