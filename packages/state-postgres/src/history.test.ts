import { join } from 'node:path';
import {
  fileStateHistory,
  finishRun,
  type HistoryEntry,
  RedactionMap,
  type RunStart,
  redactEntry,
  startRun,
} from '@stratum/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { env, scratch, server, usePostgres } from './__tests__/postgres';
import { postgresStateBackend } from './backend';

/** The run history of the PostgreSQL backend (`stratum.runs` / `stratum.run_steps`) against a real server. */

const { freshDb } = usePostgres('h');

/** A run started `minutes` after a fixed moment, so the order of runs does not hang on the clock. */
function runAt(minutes: number, args: readonly string[] = ['apply', '-y']): RunStart {
  const run = startRun('apply', args, [{ path: 'stratum.strat', sha256: `sha256:${'0'.repeat(64)}` }]);
  return { ...run, startedAt: new Date(Date.UTC(2026, 11, 3, 12, minutes, 0, 123)).toISOString() };
}

/** Three runs: one that went well, one that failed mid-way, one killed before it said how it ended. */
function threeRuns(): HistoryEntry[] {
  const ok = runAt(1);
  const failed = runAt(2, ['apply', '-y', '-c', 'site.strat']);
  const killed = runAt(3);
  return [
    { type: 'started', run: ok },
    {
      type: 'finished',
      run: finishRun(ok, [
        { address: 'ssh_file.a', action: 'create', result: 'ok' },
        { address: 'ssh_file.b', action: 'create', result: 'ok' },
      ]),
    },
    { type: 'started', run: failed },
    {
      type: 'finished',
      run: finishRun(failed, [
        { address: 'ssh_file.a', action: 'update', result: 'ok' },
        { address: 'ssh_file.b', action: 'update', result: 'failed', error: 'Not a directory' },
        { address: 'ssh_file.c', action: 'delete', result: 'skipped' },
      ]),
    },
    { type: 'started', run: killed },
  ];
}

describe('postgresStateBackend history', () => {
  it('records started and finished runs; a run killed between is incomplete; newest first', async () => {
    const { url, db } = await freshDb();
    const history = postgresStateBackend(url, { env }).history!;
    expect(await history.list()).toEqual([]);
    const entries = threeRuns();
    for (const entry of entries) await history.record(entry);

    const runs = await postgresStateBackend(url, { env }).history!.list();
    expect(runs.map((run) => run.result)).toEqual(['incomplete', 'failed', 'ok']);
    expect(runs[1]!.steps).toEqual([
      { address: 'ssh_file.a', action: 'update', result: 'ok' },
      { address: 'ssh_file.b', action: 'update', result: 'failed', error: 'Not a directory' },
      { address: 'ssh_file.c', action: 'delete', result: 'skipped' },
    ]);
    // The same runs, field for field and key for key, as the file backend folds them:
    // `state history --json` reads the same whichever backend holds them.
    const file = fileStateHistory(join(scratch, `${db}.json`));
    for (const entry of entries) await file.record(entry);
    expect(JSON.stringify(runs)).toBe(JSON.stringify(await file.list()));

    const rows = await server.psql(db, 'SELECT id, result FROM stratum.runs ORDER BY seq');
    expect(rows.trim().split('\n')).toEqual(
      entries
        .filter((entry) => entry.type === 'started')
        .map((entry, i) => `${entry.run.id}|${['ok', 'failed', ''][i]}`),
    );
  });

  it('shows a run by id or unique prefix, and nothing for an unknown or ambiguous one', async () => {
    const { url } = await freshDb();
    const history = postgresStateBackend(url, { env }).history!;
    const first = { ...runAt(1), id: '20261203T120100-aaaa1111' };
    const second = { ...runAt(2), id: '20261203T120200-aaaa2222' };
    await history.record({ type: 'started', run: first });
    await history.record({ type: 'started', run: second });
    await history.record({ type: 'finished', run: finishRun(second, [], 'refused: the plan is stale') });
    expect(await history.show(second.id)).toMatchObject({
      id: second.id,
      result: 'failed',
      error: 'refused: the plan is stale',
    });
    expect((await history.show('20261203T1201'))?.id).toBe(first.id);
    expect(await history.show('20261203T12')).toBeUndefined();
    expect(await history.show('nope')).toBeUndefined();
    // A prefix is text, not a pattern.
    expect(await history.show('2026%')).toBeUndefined();
  });

  it('records a run during an apply on the locked connection, and drops an end without a start', async () => {
    const { url } = await freshDb();
    const backend = postgresStateBackend(url, { env });
    const lease = await backend.lock({ command: 'stratum apply' });
    const run = runAt(1);
    await backend.history!.record({ type: 'started', run });
    await backend.write(
      { version: 1, resources: { 'x.y': { addr: { kind: 'x', name: 'y' }, provider: 'p', attrs: {} } } },
      'x.y',
    );
    await backend.history!.record({
      type: 'finished',
      run: finishRun(run, [{ address: 'x.y', action: 'create', result: 'ok' }]),
    });
    await lease.release();
    await backend.history!.record({ type: 'finished', run: finishRun(runAt(2), []) });
    const runs = await backend.history!.list();
    expect(runs.map((r) => [r.id, r.result, r.steps.length])).toEqual([[run.id, 'ok', 1]]);
    expect(runs[0]!.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('keeps each state its own runs: bundle states by name, namespaces, none under _shared', async () => {
    const { url, db } = await freshDb();
    const record = async (options: Parameters<typeof postgresStateBackend>[1], minutes: number) => {
      const run = runAt(minutes);
      await postgresStateBackend(url, { env, ...options }).history!.record({ type: 'started', run });
      return run.id;
    };
    const bundle = await record({}, 1);
    const named = await record({ state: 'staging' }, 2);
    const app = await record({ state: 'app', shared: '_shared' }, 3);
    const ids = async (options: Parameters<typeof postgresStateBackend>[1]) =>
      ((await postgresStateBackend(url, { env, ...options }).history!.list()) ?? []).map((run) => run.id);
    expect(await ids({})).toEqual([bundle]);
    expect(await ids({ state: 'staging' })).toEqual([named]);
    expect(await postgresStateBackend(`${url}?state=staging`, { env }).history!.list()).toHaveLength(1);
    expect(await ids({ state: 'app', shared: '_shared' })).toEqual([app]);
    expect(await ids({ state: 'db', shared: '_shared' })).toEqual([]);
    expect(await ids({ state: '_shared' })).toEqual([]);
    const owners = await server.psql(
      db,
      'SELECT s.name FROM stratum.runs r JOIN stratum.states s ON s.id = r.state_id ORDER BY r.seq',
    );
    expect(owners.trim().split('\n')).toEqual(['default', 'staging', 'app']);
  });

  it('says which state it could not read the history of, without the password', async () => {
    const { url } = await freshDb();
    const backend = postgresStateBackend(url.replace('postgres@', 'postgres:Wr0ng-S3cret@'), {
      env: { ...env, PGPASSWORD: '' },
    });
    const error = (await backend.history!.list().catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('StateUnreadable');
    expect(error.message).toMatch(
      /^cannot read the history of PostgreSQL state postgresql:\/\/postgres@127\.0\.0\.1:\d+\/h\d+\?state=default: .*password authentication failed/,
    );
    expect(error.message).not.toContain('Wr0ng-S3cret');
    const recorded = (await backend
      .history!.record({ type: 'started', run: runAt(1) })
      .catch((e: unknown) => e)) as Error & { code: string };
    expect(recorded.code).toBe('StateWriteFailed');
    expect(recorded.message).toMatch(/^cannot record a run in PostgreSQL state /);
  });

  it('no secret plaintext lands in any column of any stratum table (property)', async () => {
    const { url, db } = await freshDb();
    const history = postgresStateBackend(url, { env, state: 'app', shared: '_shared' }).history!;
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Za-z0-9+/=_-]{8,32}$/),
        fc.constantFrom('args', 'step error', 'run error', 'address'),
        async (secret, where) => {
          const redaction = new RedactionMap({ digestCost: 4 });
          redaction.add('token', secret);
          const run = runAt(1, ['apply', '-y', ...(where === 'args' ? ['--var', `token=${secret}`] : [])]);
          // As the engine records them: every entry through the choke point.
          await history.record(redactEntry({ type: 'started', run }, redaction));
          const end = finishRun(
            run,
            [
              {
                address: where === 'address' ? `ssh_file.x["${secret}"]` : 'ssh_file.x',
                action: 'create',
                result: 'failed',
                ...(where === 'step error' ? { error: `cannot write ${secret}: denied` } : {}),
              },
            ],
            where === 'run error' ? `lost the connection while sending ${secret}` : undefined,
          );
          await history.record(redactEntry({ type: 'finished', run: end }, redaction));
          const dump = await server.dumpSchema(db, 'stratum');
          expect(dump).toContain(run.id);
          expect(dump).toMatch(/^run_steps: /m);
          expect(dump).not.toContain(secret);
        },
      ),
      { numRuns: 12 },
    );
  });
});
