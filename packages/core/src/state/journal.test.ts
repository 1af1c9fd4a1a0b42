import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import { resourceState, stateWith } from '../test/state-builders';
import type { ResourceState, State } from '../types';
import { fileStateBackend, splitStateBackend } from './backend';
import type { StateError } from './errors';
import { compactedLine, journalPathFor, recordLine, stateDigest } from './journal';
import { JournaledStateFile } from './journaled-file';
import { loadState } from './load';
import { saveState } from './save';
import { emptyState, serializeState } from './schema';

let dir: string;
let statePath: string;
let journalPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-journal-'));
  statePath = join(dir, 'state.json');
  journalPath = journalPathFor(statePath);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const thing = (name: string, attrs: Record<string, unknown> = {}) =>
  resourceState('demo_thing', name, { host: 'h', ...attrs } as ResourceState['attrs']);

async function failure(promise: Promise<unknown>): Promise<StateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(StratumError.isInstance(error), String(error)).toBe(true);
  return error as StateError;
}

/** Namespace mode's pair of files in `dir`, locked, after a first write of `demo_thing.a`. */
async function lockedSplit() {
  const nsPath = join(dir, 'app.json');
  const sharedPath = join(dir, '_shared.json');
  const backend = splitStateBackend(nsPath, sharedPath);
  const lease = await backend.lock();
  const state = stateWith(thing('a'));
  await backend.write(state, 'demo_thing.a');
  return { nsPath, sharedPath, backend, lease, state };
}

/** A run that persisted `steps` through the backend and then died: its journal is left, unflushed. */
async function deadRun(start: State, steps: ((state: State) => string)[]): Promise<State> {
  const file = new JournaledStateFile(statePath);
  const state = structuredClone(start);
  for (const [i, step] of steps.entries()) {
    const key = step(state);
    if (i === 0) await file.rewrite(state);
    else await file.append(key, state.resources[key]);
  }
  await file.end(); // closes the handle, as the kernel does for a killed process
  return state;
}

const put = (entry: ResourceState) => (state: State) => {
  const key = `${entry.addr.kind}.${entry.addr.name}`;
  state.resources[key] = entry;
  return key;
};
const remove = (key: string) => (state: State) => {
  delete state.resources[key];
  return key;
};

describe('the journaled file backend', () => {
  it('rewrites the file on the first write, appends after it, and folds the journal on flush', async () => {
    const backend = fileStateBackend(statePath);
    const lease = await backend.lock();
    const state = stateWith(thing('a'));
    await backend.write(state, 'demo_thing.a');
    expect(await readFile(statePath, 'utf8')).toBe(serializeState(state));
    expect(existsSync(journalPath)).toBe(false);

    state.resources['demo_thing.b'] = thing('b', { v: 2 });
    await backend.write(state, 'demo_thing.b');
    delete state.resources['demo_thing.a'];
    await backend.write(state, 'demo_thing.a');
    // The file still holds the first write; the journal the two later steps.
    expect(JSON.parse(await readFile(statePath, 'utf8')).resources).toHaveProperty(['demo_thing.a']);
    const lines = (await readFile(journalPath, 'utf8')).split('\n');
    expect(lines).toEqual([
      JSON.stringify({ stratum_journal: 1, base: stateDigest(await readFile(statePath)) }),
      JSON.stringify({ put: 'demo_thing.b', entry: thing('b', { v: 2 }) }),
      JSON.stringify({ delete: 'demo_thing.a' }),
      '',
    ]);
    expect(await backend.read()).toEqual(stateWith(thing('b', { v: 2 })));

    await backend.flush?.();
    expect(existsSync(journalPath)).toBe(false);
    await lease.release();
    // Byte for byte what saveState writes for that state.
    await saveState(join(dir, 'direct.json'), stateWith(thing('b', { v: 2 })));
    expect(await readFile(statePath, 'utf8')).toBe(await readFile(join(dir, 'direct.json'), 'utf8'));
  });

  it('keeps a fresh state file 0600 and makes the journal 0600 too', async () => {
    const backend = fileStateBackend(statePath);
    const state = stateWith(thing('a'));
    await backend.write(state, 'demo_thing.a');
    state.resources['demo_thing.b'] = thing('b');
    await backend.write(state, 'demo_thing.b');
    expect((await stat(journalPath)).mode & 0o777).toBe(0o600);
    await backend.flush?.();
    expect((await stat(statePath)).mode & 0o777).toBe(0o600);
  });

  it('folds a journal a dead run left on the next locked run’s first write', async () => {
    const died = await deadRun(stateWith(thing('old')), [
      put(thing('a')),
      put(thing('b')),
      remove('demo_thing.old'),
    ]);
    expect(existsSync(journalPath)).toBe(true);
    const backend = fileStateBackend(statePath);
    const state = await backend.read();
    expect(state).toEqual(died);
    state.resources['demo_thing.c'] = thing('c');
    await backend.write(state, 'demo_thing.c');
    expect(existsSync(journalPath)).toBe(false);
    expect(await readFile(statePath, 'utf8')).toBe(
      serializeState({ ...died, resources: { ...died.resources, 'demo_thing.c': thing('c') } }),
    );
  });

  it('folds a journal a dead run left on flush, even when this run wrote nothing', async () => {
    const died = await deadRun(emptyState(), [put(thing('a')), put(thing('b'))]);
    const backend = fileStateBackend(statePath);
    await backend.flush?.();
    expect(existsSync(journalPath)).toBe(false);
    expect(await readFile(statePath, 'utf8')).toBe(serializeState(died));
  });

  it('writes through a symlinked state file and keeps the journal beside the target', async () => {
    const target = join(dir, 'real.json');
    await saveState(target, emptyState());
    await symlink(target, statePath);
    const backend = fileStateBackend(statePath);
    const state = stateWith(thing('a'));
    await backend.write(state, 'demo_thing.a');
    state.resources['demo_thing.b'] = thing('b');
    await backend.write(state, 'demo_thing.b');
    expect(existsSync(journalPathFor(target))).toBe(true);
    expect(existsSync(journalPath)).toBe(false);
    expect(await loadState(statePath)).toEqual(state);
    await backend.flush?.();
    expect(existsSync(journalPathFor(target))).toBe(false);
    expect(await readFile(target, 'utf8')).toBe(serializeState(state));
  });
});

describe('reading a journal', () => {
  it('ignores a last line cut off mid-append', async () => {
    const died = await deadRun(emptyState(), [put(thing('a')), put(thing('b'))]);
    const torn = recordLine('demo_thing.c', thing('c'));
    await appendFile(journalPath, torn.slice(0, torn.length - 5));
    expect(await loadState(statePath)).toEqual(died);
    // Even one that is whole JSON but lacks its newline: that append never returned.
    await writeFile(journalPath, (await readFile(journalPath, 'utf8')).replace(/[^\n]*$/, torn.trimEnd()));
    expect(await loadState(statePath)).toEqual(died);
    // The next run folds it away cleanly.
    await fileStateBackend(statePath).flush?.();
    expect(await readFile(statePath, 'utf8')).toBe(serializeState(died));
  });

  it('reads a journal cut off inside its header as no journal', async () => {
    await saveState(statePath, stateWith(thing('a')));
    await writeFile(journalPath, '{"stratum_journ');
    expect(await loadState(statePath)).toEqual(stateWith(thing('a')));
    await writeFile(journalPath, '');
    expect(await loadState(statePath)).toEqual(stateWith(thing('a')));
  });

  it.each([
    [
      'a line that is not JSON',
      (text: string) => text.replace('\n{"put"', '\n{"put"x'),
      /line 2 is not JSON/,
    ],
    [
      'an unknown record',
      (text: string) => text.replace(/\n$/, '\n{"rename":"x"}\n'),
      /line 4 is not a journal record/,
    ],
    [
      'a header that is not one',
      (text: string) => text.replace('stratum_journal', 'journal'),
      /line 1 is not a journal header/,
    ],
    [
      'an entry under another key',
      (text: string) => text.replace('"put":"demo_thing.b"', '"put":"demo_thing.z"'),
      /line 3 records `demo_thing.z` with addr `demo_thing.b`/,
    ],
    [
      'an invalid entry',
      (text: string) => text.replace('"provider":"demo"', '"provider":7'),
      /line \d has an invalid entry/,
    ],
  ])('refuses %s, naming the journal and what to do', async (_what, damage, message) => {
    await deadRun(emptyState(), [put(thing('x')), put(thing('a')), put(thing('b'))]);
    await writeFile(journalPath, damage(await readFile(journalPath, 'utf8')));
    const error = await failure(loadState(statePath));
    expect(error.code).toBe('StateJournalCorrupt');
    expect(error.path).toBe(journalPath);
    expect(error.message).toContain(journalPath);
    expect(error.message).toMatch(message);
    expect(error.hint).toContain(`remove ${journalPath} to drop those steps`);
  });

  it('refuses a journal from a newer stratum', async () => {
    await deadRun(emptyState(), [put(thing('x')), put(thing('a'))]);
    await writeFile(
      journalPath,
      (await readFile(journalPath, 'utf8')).replace('"stratum_journal":1', '"stratum_journal":2'),
    );
    const error = await failure(loadState(statePath));
    expect(error.code).toBe('StateVersionUnsupported');
  });

  it('refuses to replay a journal onto another state file', async () => {
    await deadRun(emptyState(), [put(thing('x')), put(thing('a'))]);
    // Someone restores an older state file while the journal is pending.
    await saveState(join(dir, 'backup.json'), stateWith(thing('restored')));
    await copyFile(join(dir, 'backup.json'), statePath);
    const error = await failure(loadState(statePath));
    expect(error.code).toBe('StateJournalMismatch');
    expect(error.path).toBe(journalPath);
    expect(error.message).toMatch(
      /continues a state file with digest sha256:[0-9a-f]{12}…, but .*state\.json is another file/,
    );
    expect(error.hint).toContain(`to drop them, remove ${journalPath}`);
    // A locked run refuses to write over it too: it reads first.
    await expect(fileStateBackend(statePath).read()).rejects.toMatchObject({ code: 'StateJournalMismatch' });
  });

  it('refuses a journal whose state file is gone', async () => {
    await deadRun(emptyState(), [put(thing('x')), put(thing('a'))]);
    await rm(statePath);
    const error = await failure(loadState(statePath));
    expect(error.code).toBe('StateJournalMismatch');
    expect(error.message).toMatch(/state\.json does not exist/);
  });

  it('reads the file alone when a fold died between the rename and the removal of the journal', async () => {
    const died = await deadRun(emptyState(), [put(thing('x')), put(thing('a'))]);
    const text = serializeState(died);
    await appendFile(journalPath, compactedLine(stateDigest(text)));
    await writeFile(statePath, text);
    expect(await loadState(statePath)).toEqual(died);
    // And before the rename (the compacted line written, the old file still there): the replay.
    const again = await deadRun(died, [put(thing('y')), put(thing('b'))]);
    await appendFile(journalPath, compactedLine(stateDigest(serializeState(again))));
    expect(await loadState(statePath)).toEqual(again);
  });
});

describe('writing many entries at once', () => {
  it('appends every record in one write; reading replays them; flush folds them', async () => {
    const backend = fileStateBackend(statePath);
    const lease = await backend.lock();
    const state = stateWith(thing('a'));
    await backend.writeMany?.(state, ['demo_thing.a']);
    state.resources['demo_thing.b'] = thing('b');
    state.resources['demo_thing.c'] = thing('c');
    delete state.resources['demo_thing.a'];
    await backend.writeMany?.(state, ['demo_thing.b', 'demo_thing.c', 'demo_thing.a']);
    const lines = (await readFile(journalPath, 'utf8')).split('\n');
    expect(lines.slice(1, 4)).toEqual([
      recordLine('demo_thing.b', thing('b')).trimEnd(),
      recordLine('demo_thing.c', thing('c')).trimEnd(),
      recordLine('demo_thing.a', undefined).trimEnd(),
    ]);
    expect(await backend.read()).toEqual(state);
    await backend.flush?.();
    await lease.release();
    expect(await readFile(statePath, 'utf8')).toBe(serializeState(state));
  });

  it('in namespace mode puts each entry in its own file’s journal', async () => {
    const { nsPath, sharedPath, backend, lease, state } = await lockedSplit();
    state.resources['demo_swap._stratum_swap'] = resourceState('demo_swap', '_stratum_swap', { host: 'h' });
    state.resources['demo_thing.b'] = thing('b');
    await backend.writeMany?.(state, ['demo_swap._stratum_swap', 'demo_thing.b']);
    expect(await readFile(journalPathFor(sharedPath), 'utf8')).toContain('"put":"demo_swap._stratum_swap"');
    expect(await readFile(journalPathFor(nsPath), 'utf8')).not.toContain('_stratum_swap');
    expect(await backend.read()).toEqual(state);
    await backend.flush?.();
    await lease.release();
    expect(await loadState(nsPath)).toEqual(stateWith(thing('a'), thing('b')));
  });
});

describe('the journaled split backend', () => {
  const swap = resourceState('demo_swap', '_stratum_swap', { host: 'h' });

  it('appends each entry to its own file’s journal and folds both on flush', async () => {
    const { nsPath, sharedPath, backend, lease, state } = await lockedSplit();
    state.resources['demo_swap._stratum_swap'] = swap;
    await backend.write(state, 'demo_swap._stratum_swap');
    state.resources['demo_thing.b'] = thing('b');
    await backend.write(state, 'demo_thing.b');
    expect(await readFile(journalPathFor(sharedPath), 'utf8')).toContain('"put":"demo_swap._stratum_swap"');
    expect(await readFile(journalPathFor(nsPath), 'utf8')).not.toContain('_stratum_swap');
    expect(await backend.read()).toEqual(state);
    // Another namespace planning meanwhile (no lock) sees the shared entry already.
    expect((await splitStateBackend(join(dir, 'infra.json'), sharedPath).read()).resources).toEqual({
      'demo_swap._stratum_swap': swap,
    });
    delete state.resources['demo_swap._stratum_swap'];
    await backend.write(state, 'demo_swap._stratum_swap');
    expect(await backend.read()).toEqual(state);

    await backend.flush?.();
    await lease.release();
    expect(existsSync(journalPathFor(nsPath))).toBe(false);
    expect(existsSync(journalPathFor(sharedPath))).toBe(false);
    expect(await readFile(nsPath, 'utf8')).toBe(serializeState(state));
    expect(await readFile(sharedPath, 'utf8')).toBe(serializeState(emptyState()));
  });
});

describe('replaying a journal (property)', () => {
  const keyArb = fc.constantFrom('a', 'b', 'c', 'd', 'e', '__proto__', 'x.y');
  // What JSON can hold: state attrs come from JSON text, where `-0` is `0` (fc.jsonValue may generate -0).
  const attrsArb = fc
    .dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })
    .map((attrs) => JSON.parse(JSON.stringify(attrs)) as Record<string, unknown>);
  const opArb = fc.oneof(fc.record({ put: keyArb, attrs: attrsArb }), fc.record({ delete: keyArb }));

  it('equals applying the same steps directly, at every crash point, torn tail or not; folding writes saveState’s bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.nat(),
        async (ops, crashAt, tearAt) => {
          await rm(statePath, { force: true });
          await rm(journalPath, { force: true });
          const crash = crashAt % (ops.length + 1); // steps that finished before the crash
          const direct = emptyState();
          const file = new JournaledStateFile(statePath);
          for (const [i, op] of ops.slice(0, crash).entries()) {
            const key = `demo_thing.${'put' in op ? op.put : op.delete}`;
            if ('put' in op)
              direct.resources[key] = resourceState('demo_thing', op.put, op.attrs as ResourceState['attrs']);
            else delete direct.resources[key];
            if (i === 0) await file.rewrite(direct);
            else await file.append(key, direct.resources[key]);
          }
          await file.end();
          // The step in flight when the process died: part of its record reached the disk.
          const next = ops[crash];
          if (next !== undefined && crash > 1) {
            const key = `demo_thing.${'put' in next ? next.put : next.delete}`;
            const line = recordLine(
              key,
              'put' in next
                ? resourceState('demo_thing', next.put, next.attrs as ResourceState['attrs'])
                : undefined,
            );
            await appendFile(journalPath, line.slice(0, tearAt % line.length));
          }
          const replayed = await loadState(statePath);
          expect(replayed).toEqual(direct);
          await saveState(statePath, replayed);
          expect(existsSync(journalPath)).toBe(false);
          expect(await readFile(statePath, 'utf8')).toBe(serializeState(direct));
        },
      ),
      { numRuns: 100 },
    );
    // Every run fsyncs up to a dozen writes: seconds on an idle disk, far more on a busy one.
  }, 120_000);
});
