import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../test/seeded-random';
import type { State } from '../types';
import { fileStateBackend, splitStateBackend } from './backend';
import { journalPathFor } from './journal';
import { emptyState, serializeState } from './schema';
import { splitState } from './split';

/**
 * A real process persisting a long run of steps through a journaled backend
 * (real files, real fsyncs), SIGKILLed at a random moment — during the first
 * whole-file write, mid-append, during the fold at the end, or after it. The
 * state read afterwards must be exactly the steps it had finished.
 */

const STEPS = 120;
const ROUNDS = 10;

/**
 * Step `i` of the run, applied to `state`; returns the key it changed. Runs in
 * the child too (as source text), so it must stand alone: puts of growing
 * entries and deletes over a small pool of names, some of them shared ones.
 */
function applyStep(state: State, i: number): string {
  const names = ['web', 'db', 'cache', '_stratum_swap_h', 'cron', '_stratum_sshd_oom_h', 'proxy'];
  if (i % 5 === 3) {
    const key = `demo_thing.${names[(i * 3) % names.length]}`;
    delete state.resources[key];
    return key;
  }
  const name = names[i % names.length]!;
  const key = `demo_thing.${name}`;
  state.resources[key] = {
    addr: { kind: 'demo_thing', name },
    provider: 'demo',
    attrs: { host: 'h', step: i, pad: 'x'.repeat((i % 40) * 25) },
  };
  return key;
}

const CHILD = `
const [backendUrl, mode, dir, steps] = process.argv.slice(2);
const { fileStateBackend, splitStateBackend } = await import(backendUrl);
const { join } = await import('node:path');
const applyStep = ${applyStep.toString()};
const backend = mode === 'split'
  ? splitStateBackend(join(dir, 'app.json'), join(dir, '_shared.json'))
  : fileStateBackend(join(dir, 'state.json'));
await backend.lock({ command: 'crash test' });
const state = await backend.read();
process.stdout.write('ready\\n');
for (let i = 0; i < Number(steps); i++) {
  const key = applyStep(state, i);
  await backend.write(state, key);
  process.stdout.write(i + '\\n');
}
await backend.flush();
process.stdout.write('flushed\\n');
setInterval(() => {}, 1000);
`;

/** Lets plain Node run core's TypeScript source: its relative imports carry no extension. */
const RESOLVE_TS = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module';
registerHooks({
  resolve(specifier, context, next) {
    try { return next(specifier, context); }
    catch (error) {
      if (specifier.startsWith('.') && !/\\.[cm]?[jt]s$/.test(specifier)) return next(specifier + '.ts', context);
      throw error;
    }
  },
});`)}`;

let dir: string;
let child: ChildProcess | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-journal-crash-'));
});
afterEach(async () => {
  child?.kill('SIGKILL');
  child = undefined;
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  /** Steps the child reported finished (a write resolved). */
  readonly acked: number;
  readonly flushed: boolean;
  /** From `ready` to `flushed` (or to the kill), in ms. */
  readonly ranMs: number;
}

/** Runs the child; kills it `killAfterMs` after it is ready (never, when undefined, until it flushed). */
async function runChild(mode: 'file' | 'split', killAfterMs: number | undefined): Promise<Run> {
  const script = join(dir, 'child.mjs');
  await writeFile(script, CHILD);
  const backendUrl = pathToFileURL(join(import.meta.dirname, 'backend.ts')).href;
  const proc = spawn(
    process.execPath,
    ['--import', RESOLVE_TS, script, backendUrl, mode, dir, String(STEPS)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  child = proc;
  let out = '';
  let readyAt = 0;
  let endedAt = 0;
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  proc.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    if (readyAt === 0 && out.startsWith('ready\n')) {
      readyAt = performance.now();
      if (killAfterMs !== undefined) setTimeout(() => proc.kill('SIGKILL'), killAfterMs);
    }
    if (out.endsWith('flushed\n')) {
      endedAt = performance.now();
      if (killAfterMs === undefined) proc.kill('SIGKILL');
    }
  });
  await exited;
  child = undefined;
  const lines = out.split('\n').filter((line) => /^\d+$/.test(line));
  expect(lines.map(Number)).toEqual(lines.map((_, i) => i));
  return {
    acked: lines.length,
    flushed: out.includes('flushed\n'),
    ranMs: (endedAt || performance.now()) - readyAt,
  };
}

/** The state after the first `n` steps. */
function prefix(n: number): State {
  const state = emptyState();
  for (let i = 0; i < n; i++) applyStep(state, i);
  return state;
}

const backendFor = (mode: 'file' | 'split') =>
  mode === 'split'
    ? splitStateBackend(join(dir, 'app.json'), join(dir, '_shared.json'))
    : fileStateBackend(join(dir, 'state.json'));
const files = (mode: 'file' | 'split') =>
  mode === 'split' ? [join(dir, 'app.json'), join(dir, '_shared.json')] : [join(dir, 'state.json')];

/** What the files must hold once folded: the spec's format of `state`, no journal. */
async function expectFolded(mode: 'file' | 'split', state: State): Promise<void> {
  for (const path of files(mode)) expect(existsSync(journalPathFor(path)), path).toBe(false);
  if (mode === 'file') {
    expect(await readFile(join(dir, 'state.json'), 'utf8')).toBe(serializeState(state));
    return;
  }
  const { ns, shared } = splitState(state);
  expect(await readFile(join(dir, 'app.json'), 'utf8')).toBe(serializeState(ns));
  expect(await readFile(join(dir, '_shared.json'), 'utf8')).toBe(serializeState(shared));
}

describe('a journaled run killed with SIGKILL', { timeout: 120_000 }, () => {
  it.each(['file', 'split'] as const)(
    '%s backend: the state read afterwards is exactly the finished steps, and the next run folds it',
    async (mode) => {
      // An uncut run first: it must end folded, and it says how long a run takes here.
      const whole = await runChild(mode, undefined);
      expect(whole).toMatchObject({ acked: STEPS, flushed: true });
      await expectFolded(mode, prefix(STEPS));

      const random = seededRandom(mode === 'file' ? 12 : 34);
      for (let round = 0; round < ROUNDS; round++) {
        for (const path of files(mode)) await rm(path, { force: true });
        // Up to a little past the end, so some kills land in the fold or after it.
        const killAfter = random() * whole.ranMs * 1.1;
        const run = await runChild(mode, killAfter);
        const context = `round ${round}, killed ${killAfter.toFixed(1)} ms after ready, ${run.acked} steps acked`;
        const read = await backendFor(mode).read();
        if (run.flushed) {
          expect(read, context).toEqual(prefix(STEPS));
          await expectFolded(mode, prefix(STEPS));
        } else {
          // The step in flight may have reached the disk before its acknowledgement left the child.
          const candidates = [prefix(run.acked), prefix(Math.min(run.acked + 1, STEPS))];
          expect(candidates, context).toContainEqual(read);
        }

        // The next locked run (taking over the dead run's lock) continues from there and folds.
        const backend = backendFor(mode);
        const lease = await backend.lock({ onStaleLock: () => undefined });
        const state = await backend.read();
        state.resources['demo_thing.after'] = {
          addr: { kind: 'demo_thing', name: 'after' },
          provider: 'demo',
          attrs: { host: 'h' },
        };
        await backend.write(state, 'demo_thing.after');
        await backend.flush?.();
        await lease.release();
        await expectFolded(mode, {
          ...read,
          resources: { ...read.resources, 'demo_thing.after': state.resources['demo_thing.after']! },
        });
      }
    },
  );
});
