import {
  findRun,
  type RunFinish,
  type RunRecord,
  type RunStart,
  type RunStep,
  type StateHistory,
} from '@stratum/core';
import type pg from 'pg';

/** How the history reaches the database: the backend's connection handling, and the state it records for. */
export interface HistoryAccess {
  /** Runs `job` on the backend's locked connection, or on a short-lived one. */
  withClient<T>(job: (client: pg.Client) => Promise<T>): Promise<T>;
  /** The id of the state whose runs these are (created when missing). */
  stateId(client: pg.Client): Promise<string>;
  /** The state's name, for reads that must not create it. */
  readonly name: string;
  /** Turns a driver error into the backend's error (scrubbed of the password). */
  failed(code: 'StateUnreadable' | 'StateWriteFailed', doing: string, error: unknown): Error;
}

/**
 * The history of one state in `stratum.runs` / `stratum.run_steps` (schema
 * version 2). Each `record` is a single statement, so it is atomic without a
 * transaction of its own and never interleaves with the apply's writes on the
 * locked connection. A `finished` entry for a run never started is dropped,
 * as `foldHistory` drops it.
 */
export function postgresStateHistory(access: HistoryAccess): StateHistory {
  const read = async (prefix?: string) => {
    try {
      return await access.withClient(async (client) => {
        const rows = await client.query<RunRow>(
          `SELECT r.id, r.kind, r.who, r.pid, ${iso('r.started_at')} AS started_at, r.args, r.configs,
                  ${iso('r.finished_at')} AS finished_at, r.result, r.error,
                  COALESCE((SELECT json_agg(json_build_object('address', s.address, 'action', s.action,
                                                              'result', s.result, 'error', s.error)
                                            ORDER BY s.ordinal)
                              FROM stratum.run_steps s
                             WHERE s.state_id = r.state_id AND s.run_id = r.id), '[]') AS steps
             FROM stratum.runs r JOIN stratum.states st ON st.id = r.state_id
            WHERE st.name = $1 AND ($2::text IS NULL OR left(r.id, length($2)) = $2)
            ORDER BY r.started_at DESC, r.seq DESC`,
          [access.name, prefix ?? null],
        );
        return rows.rows.map(recordOf);
      });
    } catch (error) {
      throw access.failed('StateUnreadable', 'read the history of', error);
    }
  };
  return {
    async record(entry) {
      try {
        await access.withClient(async (client) => {
          const id = await access.stateId(client);
          if (entry.type === 'started') await insertStart(client, id, entry.run);
          else await insertFinish(client, id, entry.run);
        });
      } catch (error) {
        throw access.failed('StateWriteFailed', 'record a run in', error);
      }
    },
    list: () => read(),
    show: async (id) => findRun(await read(id), id),
  };
}

async function insertStart(client: pg.Client, stateId: string, run: RunStart): Promise<void> {
  await client.query(
    `INSERT INTO stratum.runs (state_id, id, kind, who, pid, started_at, args, configs)
     VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8::json)
     ON CONFLICT (state_id, id) DO NOTHING`,
    [
      stateId,
      run.id,
      run.kind,
      run.who,
      run.pid,
      run.startedAt,
      JSON.stringify(run.args),
      JSON.stringify(run.configs),
    ],
  );
}

/**
 * The run's end and its steps in one statement: both land, or neither does.
 * A run finished twice keeps the last account of its steps, as the file's fold does.
 */
async function insertFinish(client: pg.Client, stateId: string, run: RunFinish): Promise<void> {
  await client.query(
    `WITH ended AS (
       UPDATE stratum.runs SET finished_at = $3, result = $4, error = $5
        WHERE state_id = $1 AND id = $2
       RETURNING state_id, id
     ), dropped AS (
       DELETE FROM stratum.run_steps d USING ended
        WHERE d.state_id = ended.state_id AND d.run_id = ended.id AND d.ordinal >= $11
     )
     INSERT INTO stratum.run_steps (state_id, run_id, ordinal, address, action, result, error)
     SELECT ended.state_id, ended.id, s.ordinal, s.address, s.action, s.result, s.error
       FROM ended, unnest($6::int[], $7::text[], $8::text[], $9::text[], $10::text[])
                     AS s (ordinal, address, action, result, error)
     ON CONFLICT (state_id, run_id, ordinal) DO UPDATE
       SET address = EXCLUDED.address, action = EXCLUDED.action,
           result = EXCLUDED.result, error = EXCLUDED.error`,
    [
      stateId,
      run.id,
      run.finishedAt,
      run.result,
      run.error ?? null,
      run.steps.map((_, i) => i),
      run.steps.map((step) => step.address),
      run.steps.map((step) => step.action),
      run.steps.map((step) => step.result),
      run.steps.map((step) => step.error ?? null),
      run.steps.length,
    ],
  );
}

/** A timestamp as `Date.toISOString` writes it (what the file history holds), not as the server's locale would. */
function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

interface RunRow {
  id: string;
  kind: RunRecord['kind'];
  who: string;
  pid: number;
  started_at: string;
  args: string[];
  configs: RunRecord['configs'];
  finished_at: string | null;
  result: 'ok' | 'failed' | null;
  error: string | null;
  steps: { address: string; action: string; result: RunStep['result']; error: string | null }[];
}

/** A row as the file history folds the same entries: absent fields left out, not null. */
function recordOf(row: RunRow): RunRecord {
  return {
    id: row.id,
    kind: row.kind,
    who: row.who,
    pid: row.pid,
    startedAt: row.started_at,
    args: row.args,
    configs: row.configs,
    result: row.result ?? 'incomplete',
    steps: row.steps.map(({ error, ...step }) => (error === null ? step : { ...step, error })),
    ...(row.finished_at === null ? {} : { finishedAt: row.finished_at }),
    ...(row.error === null ? {} : { error: row.error }),
  };
}
