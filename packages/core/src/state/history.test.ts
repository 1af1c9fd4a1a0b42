import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedactionMap } from '../secrets/redaction-map';
import { fileStateBackend } from './backend';
import { copyHistory, fileStateHistory, finishRun, historyPathFor, redactEntry, startRun } from './history';
import { forgetResources } from './surgery';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-history-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileStateHistory', () => {
  it('records a started and a finished line per run, lists newest first, and a run with no end is incomplete', async () => {
    const statePath = join(dir, 'state.json');
    const history = fileStateHistory(statePath);
    const first = { ...startRun('apply', ['apply', '-y']), startedAt: '2026-01-01T00:00:00.000Z' };
    await history.record({ type: 'started', run: first });
    await history.record({
      type: 'finished',
      run: finishRun(first, [{ address: 'system_file.a', action: 'create', result: 'ok' }]),
    });
    const killed = { ...startRun('apply', ['apply', '-y']), startedAt: '2026-01-02T00:00:00.000Z' };
    await history.record({ type: 'started', run: killed });

    const runs = await history.list();
    expect(runs.map((run) => [run.id, run.result])).toEqual([
      [killed.id, 'incomplete'],
      [first.id, 'ok'],
    ]);
    expect(runs[1]?.steps).toEqual([{ address: 'system_file.a', action: 'create', result: 'ok' }]);
    expect(runs[1]?.who).toMatch(/.+@.+/);
    const lines = (await readFile(historyPathFor(statePath), 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).type)).toEqual(['started', 'finished', 'started']);
    expect((await stat(historyPathFor(statePath))).mode & 0o777).toBe(0o600);
  });

  it('shows a run by id or unique prefix; an unknown id is undefined', async () => {
    const history = fileStateHistory(join(dir, 'state.json'));
    const run = startRun('state rm', ['state', 'rm', 'x.y']);
    await history.record({ type: 'started', run });
    expect((await history.show(run.id))?.id).toBe(run.id);
    expect((await history.show(run.id.slice(0, 18)))?.id).toBe(run.id);
    expect(await history.show('nope')).toBeUndefined();
  });

  it('an empty history lists nothing; a torn last line is skipped', async () => {
    const statePath = join(dir, 'state.json');
    const history = fileStateHistory(statePath);
    expect(await history.list()).toEqual([]);
    const run = startRun('apply', []);
    await history.record({ type: 'started', run });
    await appendFile(historyPathFor(statePath), '{"type":"finished","run":{"id"');
    expect((await history.list()).map((r) => r.result)).toEqual(['incomplete']);
  });

  it('a failed step makes the run failed, and so does an error with no step', () => {
    const run = startRun('apply', []);
    expect(
      finishRun(run, [{ address: 'a.b', action: 'create', result: 'failed', error: 'boom' }]).result,
    ).toBe('failed');
    expect(finishRun(run, [], 'refused').result).toBe('failed');
    expect(finishRun(run, [{ address: 'a.b', action: 'update', result: 'ok' }]).result).toBe('ok');
  });
});

describe('copyHistory', () => {
  it('copies the runs the target lacks as the entries that made them, once', async () => {
    const source = fileStateHistory(join(dir, 'from.json'));
    const done = startRun('apply', ['apply', '-y']);
    const killed = { ...startRun('state rm', ['state', 'rm', 'x.y']), startedAt: '2099-01-01T00:00:00.000Z' };
    await source.record({ type: 'started', run: done });
    await source.record({
      type: 'finished',
      run: finishRun(done, [{ address: 'a.b', action: 'create', result: 'failed', error: 'boom' }]),
    });
    await source.record({ type: 'started', run: killed });
    const target = fileStateHistory(join(dir, 'to.json'));
    const already = startRun('apply', []);
    await target.record({ type: 'started', run: already });

    expect(await copyHistory(source, target)).toBe(2);
    expect(await copyHistory(source, target)).toBe(0);
    const runs = await target.list();
    expect(runs.map((run) => [run.id, run.result])).toEqual([
      [killed.id, 'incomplete'],
      [already.id, 'incomplete'],
      [done.id, 'failed'],
    ]);
    expect(runs[2]).toEqual((await source.list())[1]);
    // The copied lines are the source's lines, byte for byte.
    const lines = (path: string) => readFile(historyPathFor(join(dir, path)), 'utf8');
    expect((await lines('to.json')).split('\n').slice(1).join('\n')).toBe(await lines('from.json'));
  });
});

describe('redactEntry', () => {
  it('leaves no secret plaintext in any field of a run (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 30 }).filter((s) => s.trim().length >= 6),
        (secret) => {
          const map = new RedactionMap({ digestCost: 4 });
          map.add('db_password', secret);
          const run = startRun('apply', ['apply', '--var', `pw=${secret}`]);
          const entry = redactEntry(
            {
              type: 'finished',
              run: finishRun(run, [
                { address: 'a.b', action: 'create', result: 'failed', error: `bad ${secret}!` },
              ]),
            },
            map,
          );
          expect(JSON.stringify(entry)).not.toContain(secret);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('state surgery in history', () => {
  it('state rm is a run of its own kind; a refused one is not recorded', async () => {
    const statePath = join(dir, 'state.json');
    const backend = fileStateBackend(statePath);
    const lease = await backend.lock();
    await backend.write(
      { version: 1, resources: { 'x.y': { addr: { kind: 'x', name: 'y' }, provider: 'p', attrs: {} } } },
      'x.y',
    );
    await backend.flush?.();
    await lease.release();
    await expect(forgetResources(backend, ['x.nope'], ['state', 'rm', 'x.nope'])).rejects.toThrow(/not in/);
    await forgetResources(backend, ['x.y'], ['state', 'rm', 'x.y']);
    const runs = (await backend.history?.list()) ?? [];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      kind: 'state rm',
      result: 'ok',
      args: ['state', 'rm', 'x.y'],
      steps: [{ address: 'x.y', action: 'forget', result: 'ok' }],
    });
  });
});
