import type { ClientBase } from 'pg';

/** The schema version this package creates and reads. */
export const SCHEMA_VERSION = 1;

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

/** Thrown when the database was set up by a newer stratum. */
export class SchemaTooNew extends Error {
  constructor(readonly found: number) {
    super(
      `the database holds stratum state schema version ${found}; this stratum knows version ${SCHEMA_VERSION}`,
    );
  }
}

/**
 * Creates the schema if it is missing. Idempotent and safe when several runs
 * start at once: the creation runs in one transaction under a transaction-level
 * advisory lock, so one run creates and the others find it done.
 */
export async function ensureSchema(client: ClientBase): Promise<void> {
  const found = await schemaVersion(client);
  if (found === SCHEMA_VERSION) return;
  if (found !== undefined && found > SCHEMA_VERSION) throw new SchemaTooNew(found);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_CLASS]);
    await client.query(V1);
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
