import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { HostCommand, Operation } from '../operation';
import { createPlan } from '../plan/plan';
import { Registry } from '../registry';
import { RedactionMap } from '../secrets/redaction-map';
import { shellQuote } from '../shell-quote';
import { countExecs } from '../test/counting-transport';
import { createFakeProvider } from '../test/fake-provider';
import { createLocalShellTransport } from '../test/local-shell-transport';
import { plannedStep } from '../test/plan-builders';
import type { ExecOptions, ExecResult, Transport } from '../transport';
import type { JsonObject, State } from '../types';
import { applyPlan } from './apply-plan';
import { PIPELINE_DEPTH } from './pipeline';
import { SESSION_COMMAND } from './shell-session';

/**
 * An apply through long-lived shells, on this machine's real shell (commands
 * write only into a temp dir): the same steps, order, stops and state as one
 * exec per command, in one exec per host.
 */

const dir = mkdtempSync(join(tmpdir(), 'stratum-apply-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const local = createLocalShellTransport();

const counting = () => countExecs(local);

/** `demo_cmd`: its `commands` attr, each `{ run, stdin?, ok_if?, once? }`, recording the last one's stdout. */
const registry = new Registry([
  createFakeProvider('demo', {
    demo_cmd: {
      create: ({ attrs }): Operation => {
        const specs = (attrs as JsonObject).commands as JsonObject[];
        const commands: HostCommand[] = specs.map((spec) => ({
          command: spec.run as string,
          step: `run ${spec.run as string}`,
          ...(spec.stdin === undefined ? {} : { stdin: spec.stdin as string }),
          ...(spec.ok_if === undefined ? {} : { okIfOutput: new RegExp(spec.ok_if as string) }),
          ...(spec.once === undefined ? {} : { once: spec.once as string }),
        }));
        return {
          host: ((attrs as JsonObject).host as string | undefined) ?? 'local',
          commands,
          record: (results) => {
            if ((attrs as JsonObject).refuse === true) throw new Error('the kind refused the result');
            return { out: results.at(-1)?.stdout ?? null, ran: results.filter(Boolean).length };
          },
        };
      },
    },
  }),
]);

function stepOf(name: string, commands: JsonObject[], extra: JsonObject = {}) {
  return plannedStep('demo_cmd', name, { action: 'create', desired: { commands, ...extra }, prior: null });
}

async function apply(
  steps: ReturnType<typeof stepOf>[],
  transport: Transport,
  shellSessions?: boolean,
  redaction?: RedactionMap,
  onPersist?: (key: string) => Promise<void>,
  parallelism?: number,
) {
  const state: State = { version: 1, resources: {} } as unknown as State;
  const persisted: string[] = [];
  const outcome = await applyPlan(createPlan(steps), {
    registry,
    transport,
    signal: new AbortController().signal,
    state,
    persist: async (_state, key) => {
      await onPersist?.(key);
      persisted.push(key);
    },
    emit: () => {},
    shellSessions,
    redaction,
    parallelism,
  });
  return { outcome, state, persisted };
}

/**
 * The local shell behind a transport that, like the ssh transport on a
 * connection shared by several hosts, refuses a `longLived` command once
 * `cap` of them are open. Counts the session shells open at once.
 */
function boundedSessions(cap: number) {
  const inner = countExecs(local);
  let open = 0;
  const stats = { maxOpen: 0, refused: 0, opened: 0 };
  const transport: Transport = {
    streaming: true,
    async exec(host: string, command: string, options?: ExecOptions): Promise<ExecResult> {
      if (options?.longLived !== true) return inner.exec(host, command, options);
      if (open >= cap) {
        stats.refused++;
        throw new Error('no channel to spare');
      }
      open++;
      stats.opened++;
      stats.maxOpen = Math.max(stats.maxOpen, open);
      try {
        return await inner.exec(host, command, options);
      } finally {
        open--;
      }
    },
  };
  return { transport, stats, execs: inner.execs };
}

/**
 * The local shell behind one channel, as on a server with `MaxSessions 1`:
 * a plain exec while the shell holds it asks the shell to give it back
 * (`onPreempt`), then waits for it. A shell asked for while the channel is
 * taken is refused.
 */
function oneChannel() {
  const inner = countExecs(local);
  let free: Promise<void> = Promise.resolve();
  let holder: { preempt?: (() => void) | undefined } | undefined;
  const stats = { preempted: 0 };
  const take = async () => {
    const before = free;
    let release!: () => void;
    free = new Promise((resolve) => {
      release = resolve;
    });
    await before;
    return release;
  };
  const transport: Transport = {
    streaming: true,
    async exec(host: string, command: string, options?: ExecOptions): Promise<ExecResult> {
      if (options?.longLived === true) {
        if (holder !== undefined) throw new Error('no channel to spare');
        holder = { preempt: options.onPreempt };
        const release = await take();
        try {
          return await inner.exec(host, command, options);
        } finally {
          holder = undefined;
          release();
        }
      }
      if (holder?.preempt !== undefined) {
        stats.preempted++;
        holder.preempt();
        holder.preempt = undefined;
      }
      const release = await take();
      try {
        return await inner.exec(host, command, options);
      } finally {
        release();
      }
    },
  };
  return { transport, stats, execs: inner.execs };
}

const log = join(dir, 'log');
const append = (word: string) => ({ run: `echo ${word} >> ${shellQuote(log)}; echo ${word}` });

describe('an apply through shell sessions', () => {
  it('runs every step of a host in plan order through one exec, recording each step’s own results', async () => {
    rmSync(log, { force: true });
    const transport = counting();
    const steps = Array.from({ length: 12 }, (_, i) => stepOf(`s${i}`, [append(`w${i}`)]));
    steps.push(stepOf('stdin', [{ run: 'tr a-z A-Z', stdin: 'from stdin\n' }]));
    const { outcome, state, persisted } = await apply(steps, transport);
    expect(outcome.failure).toBeUndefined();
    expect(transport.execs).toHaveLength(1);
    expect(readFileSync(log, 'utf8')).toBe(Array.from({ length: 12 }, (_, i) => `w${i}\n`).join(''));
    expect(persisted).toEqual(steps.map((s) => `demo_cmd.${s.addr.name}`));
    expect(state.resources['demo_cmd.s3']!.attrs).toMatchObject({ out: 'w3\n', ran: 1 });
    expect(state.resources['demo_cmd.stdin']!.attrs).toMatchObject({ out: 'FROM STDIN\n' });
  });

  it('stops at the first failure: later commands never run, state holds exactly the steps before', async () => {
    rmSync(log, { force: true });
    const never = join(dir, 'never');
    const steps = [
      stepOf('a', [append('a')]),
      stepOf('b', [append('b'), { run: 'echo broke >&2; exit 4' }, { run: `touch ${shellQuote(never)}` }]),
      stepOf('c', [{ run: `touch ${shellQuote(never)}` }]),
    ];
    const { outcome, state } = await apply(steps, counting());
    expect(outcome.failure?.step.addr.name).toBe('b');
    expect(String((outcome.failure!.error as Error).message)).toContain('failed on local (exit 4)');
    expect(Object.keys(state.resources)).toEqual(['demo_cmd.a']);
    expect(existsSync(never)).toBe(false);
    expect(readFileSync(log, 'utf8')).toBe('a\nb\n');
  });

  it('goes on past a failure its okIfOutput allows, and runs a once command once', async () => {
    const { outcome, state } = await apply(
      [
        stepOf('x', [
          { run: 'echo refresh', once: 'update' },
          { run: 'echo already there; exit 1', ok_if: 'already' },
          { run: 'echo after' },
        ]),
        stepOf('y', [{ run: 'echo refresh', once: 'update' }, { run: 'echo y' }]),
      ],
      counting(),
    );
    expect(outcome.failure).toBeUndefined();
    expect(state.resources['demo_cmd.x']!.attrs).toMatchObject({ out: 'after\n', ran: 3 });
    expect(state.resources['demo_cmd.y']!.attrs).toMatchObject({ out: 'y\n', ran: 1 });
  });

  it('sends a stdin holding a known secret by its own exec, never through the shell’s script', async () => {
    const redaction = new RedactionMap({ digestCost: 4 });
    redaction.add('token', 's3cr3t-value');
    const transport = counting();
    const { state } = await apply(
      [
        stepOf('plain', [{ run: 'cat', stdin: 'public\n' }]),
        stepOf('secret', [{ run: 'wc -c', stdin: 'token=s3cr3t-value\n' }]),
        stepOf('after', [{ run: 'echo after' }]),
      ],
      transport,
      undefined,
      redaction,
    );
    expect(transport.execs).toEqual([SESSION_COMMAND, 'wc -c']);
    expect(state.resources['demo_cmd.secret']!.attrs).toMatchObject({ out: '19\n' });
    expect(state.resources['demo_cmd.after']!.attrs).toMatchObject({ out: 'after\n' });
  });

  it('sends the next steps ahead: the host runs them while the engine still records the first', async () => {
    rmSync(log, { force: true });
    const steps = Array.from({ length: PIPELINE_DEPTH + 8 }, (_, i) => stepOf(`p${i}`, [append(`w${i}`)]));
    const ranAhead: number[] = [];
    const { outcome, state } = await apply(steps, counting(), undefined, undefined, async (key) => {
      if (key !== 'demo_cmd.p0') return;
      // Held until the host ran as far ahead as it may: the depth, the first step included.
      const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0);
      for (let waited = 0; lines() < PIPELINE_DEPTH && waited < 5_000; waited += 10) await sleep(10);
      await sleep(100);
      ranAhead.push(lines());
    });
    expect(ranAhead).toEqual([PIPELINE_DEPTH]);
    expect(outcome.failure).toBeUndefined();
    expect(Object.keys(state.resources)).toHaveLength(steps.length);
    expect(readFileSync(log, 'utf8')).toBe(steps.map((_, i) => `w${i}\n`).join(''));
  });

  it('a step whose forgiving okIfOutput does not match stops the steps after it from being sent', async () => {
    const never = join(dir, 'never-after-ok-if');
    const steps = [
      stepOf('maybe', [{ run: 'echo something else; exit 1', ok_if: 'already' }]),
      stepOf('after', [{ run: `touch ${shellQuote(never)}` }]),
    ];
    const { outcome, state } = await apply(steps, counting());
    expect(outcome.failure?.step.addr.name).toBe('maybe');
    expect(existsSync(never)).toBe(false);
    expect(Object.keys(state.resources)).toEqual([]);
    // Forgiven, the step after it runs.
    const forgiven = await apply(
      [stepOf('maybe', [{ run: 'echo already there; exit 1', ok_if: 'already' }]), steps[1]!],
      counting(),
    );
    expect(forgiven.outcome.failure).toBeUndefined();
    expect(existsSync(never)).toBe(true);
  });

  it('records the steps the host already ran after one the engine failed (a refused result)', async () => {
    rmSync(log, { force: true });
    const steps = [
      stepOf('a', [append('a')]),
      stepOf('b', [append('b')], { refuse: true }),
      stepOf('c', [append('c')]),
    ];
    const { outcome, state, persisted } = await apply(steps, counting());
    expect(outcome.failure?.step.addr.name).toBe('b');
    expect(String((outcome.failure!.error as Error).message)).toContain('the kind refused the result');
    // c was in the host's shell when b's result came back: it ran, so state says so.
    expect(readFileSync(log, 'utf8')).toBe('a\nb\nc\n');
    expect(persisted).toEqual(['demo_cmd.a', 'demo_cmd.c']);
    expect(Object.keys(state.resources).sort()).toEqual(['demo_cmd.a', 'demo_cmd.c']);
  });

  it('records the steps a host already ran when another host fails meanwhile', async () => {
    rmSync(log, { force: true });
    const steps = [
      stepOf('a0', [{ run: 'echo a0 broke >&2; exit 5' }], { host: 'a' }),
      // b0 is still running when a0 fails; b1..b3 were sent with it, so the host runs them.
      stepOf('b0', [{ run: `sleep 0.3; echo b0 >> ${shellQuote(log)}` }], { host: 'b' }),
      ...['b1', 'b2', 'b3'].map((name) => stepOf(name, [append(name)], { host: 'b' })),
    ];
    const { outcome, state } = await apply(steps, counting());
    expect(outcome.failure?.step.addr.name).toBe('a0');
    expect(readFileSync(log, 'utf8')).toBe('b0\nb1\nb2\nb3\n');
    expect(Object.keys(state.resources).sort()).toEqual([
      'demo_cmd.b0',
      'demo_cmd.b1',
      'demo_cmd.b2',
      'demo_cmd.b3',
    ]);
  });

  it('shellSessions: false runs one exec per command, with the same outcome', async () => {
    const transport = counting();
    const steps = Array.from({ length: 5 }, (_, i) => stepOf(`t${i}`, [{ run: `echo ${i}` }]));
    const { state } = await apply(steps, transport, false);
    expect(transport.execs).toHaveLength(5);
    expect(state.resources['demo_cmd.t4']!.attrs).toMatchObject({ out: '4\n' });
  });

  it('closes a host’s shell once its steps are done, so hosts after it can have one', async () => {
    rmSync(log, { force: true });
    const hosts = ['h1', 'h2', 'h3', 'h4'];
    const steps = hosts.flatMap((host) => [
      stepOf(`${host}a`, [append(`${host}a`)], { host }),
      stepOf(`${host}b`, [append(`${host}b`)], { host }),
    ]);
    // One session at a time: a shell kept open to the end of the apply would refuse every host after the first.
    const { transport, stats } = boundedSessions(1);
    const { outcome, state } = await apply(steps, transport, undefined, undefined, undefined, 1);
    expect(outcome.failure).toBeUndefined();
    expect(stats).toEqual({ maxOpen: 1, refused: 0, opened: hosts.length });
    expect(Object.keys(state.resources)).toHaveLength(steps.length);
  });

  it('runs a host’s commands by plain exec when the transport refuses its shell', async () => {
    rmSync(log, { force: true });
    const steps = [
      stepOf('a', [append('a')]),
      stepOf('b', [append('b'), { run: 'tr a-z A-Z', stdin: 'x\n' }]),
    ];
    const { transport, stats, execs } = boundedSessions(0);
    const { outcome, state } = await apply(steps, transport);
    expect(outcome.failure).toBeUndefined();
    expect(stats.refused).toBe(1);
    expect(execs).not.toContain(SESSION_COMMAND);
    expect(readFileSync(log, 'utf8')).toBe('a\nb\n');
    expect(state.resources['demo_cmd.b']!.attrs).toMatchObject({ out: 'X\n', ran: 2 });
  });

  it('gives the shell’s channel back when a plain exec needs it, and runs the rest by exec', async () => {
    rmSync(log, { force: true });
    const redaction = new RedactionMap({ digestCost: 4 });
    redaction.add('token', 's3cr3t-value');
    const { transport, stats, execs } = oneChannel();
    const { outcome, state } = await apply(
      [
        stepOf('plain', [append('plain')]),
        // A secret stdin goes by its own exec: the one channel is the shell's.
        stepOf('secret', [{ run: 'wc -c', stdin: 'token=s3cr3t-value\n' }]),
        stepOf('after', [append('after')]),
      ],
      transport,
      undefined,
      redaction,
    );
    expect(outcome.failure).toBeUndefined();
    expect(stats.preempted).toBe(1);
    expect(execs[0]).toBe(SESSION_COMMAND);
    expect(execs.slice(1)).toEqual(['wc -c', expect.stringContaining('echo after')]);
    expect(readFileSync(log, 'utf8')).toBe('plain\nafter\n');
    expect(state.resources['demo_cmd.secret']!.attrs).toMatchObject({ out: '19\n' });
  });
});
