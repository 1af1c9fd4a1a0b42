import { describe, expect, it } from 'vitest';
import { afterApplyMarker } from '../after-apply';
import type { Operation, VectorWriter } from '../operation';
import { createPlan } from '../plan/plan';
import type { KindHandler } from '../provider';
import { Registry } from '../registry';
import { createFakeProvider } from '../test/fake-provider';
import { plannedStep } from '../test/plan-builders';
import { createRecordingTransport, type Responder } from '../test/recording-transport';
import { stateWith } from '../test/state-builders';
import type { ExecResult } from '../transport';
import type { JsonObject, PlannedResource, State } from '../types';
import { applyPlan } from './apply-plan';
import type { EngineEvent } from './events';
import { vectorGroup } from './vector-write';

const KIND = 'demo_file';

/**
 * A writer that "writes" every name in one `write a b c` command; the
 * responder's stdout lists the names the host now holds, and the writer
 * vouches for exactly those.
 */
const writer: VectorWriter = {
  id: 'test:writer',
  max: 3,
  commands: (_host, args) => [{ command: `write ${(args as string[]).join(' ')}`, step: 'write' }],
  split: (results: readonly ExecResult[], args) => {
    const done = new Set((results[0]?.stdout ?? '').split(/\s+/));
    return (args as string[]).map((name) =>
      done.has(name) ? { exitCode: 0, stdout: '', stderr: '' } : undefined,
    );
  },
};

const hostOf = (attrs: unknown): string => (attrs as JsonObject).host as string;

function operation(name: string, attrs: unknown): Operation {
  return {
    host: hostOf(attrs),
    commands: [{ command: `own ${name}`, step: `own ${name}` }],
    trace: [`[demo] ${name}`],
    record: () => ({ ...(attrs as JsonObject), written: true }),
    vector: { writer, arg: name },
  };
}

function registry(extra: Partial<KindHandler<JsonObject>> = {}) {
  return new Registry([
    createFakeProvider('demo', {
      [KIND]: {
        create: ({ name, attrs }) => operation(name, attrs),
        update: ({ name, attrs }) => operation(name, attrs),
        ...extra,
      },
    }),
  ]);
}

const create = (name: string, desired: JsonObject) =>
  plannedStep(KIND, name, { action: 'create', desired, prior: null });

const line = (event: EngineEvent) =>
  event.type === 'log' ? `log:${event.line}` : `${event.type}:${event.step.addr.name}`;

async function apply(
  steps: PlannedResource[],
  responder: Responder,
  reg = registry(),
  persistMany?: (state: State, keys: readonly string[]) => Promise<void>,
) {
  const transport = createRecordingTransport(responder);
  const events: EngineEvent[] = [];
  const persisted: string[] = [];
  const state: State = stateWith();
  const outcome = await applyPlan(createPlan(steps), {
    registry: reg,
    transport,
    signal: new AbortController().signal,
    state,
    persist: async (_state, key) => {
      persisted.push(key);
    },
    persistMany,
    emit: (event) => events.push(event),
    sleep: async () => {},
  });
  return { outcome, transport, events: events.map(line), persisted, state };
}

/** Answers a write with the names it lists (all vouched for), own commands with success. */
const writesAll: Responder = ({ command }) => (command.startsWith('write ') ? command.slice(6) : '');

/** The events of a, b and c done by one write: each step told in plan order, after the write's trace line. */
const ABC_WRITTEN = [
  'log:[apply] h: 3 steps in one write, 3 done by it',
  ...['a', 'b', 'c'].flatMap((name) => [`step_start:${name}`, `log:[demo] ${name}`, `step_done:${name}`]),
];

describe('vector writes', () => {
  it('does consecutive steps of one host in one write, then finishes each in plan order', async () => {
    const { outcome, transport, events, persisted, state } = await apply(
      [create('a', { host: 'h' }), create('b', { host: 'h' }), create('c', { host: 'h' })],
      writesAll,
    );
    expect(transport.commands()).toEqual(['write a b c']);
    expect(outcome.failure).toBeUndefined();
    expect(outcome.completed.map((s) => s.addr.name)).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(ABC_WRITTEN);
    expect(persisted).toEqual(['demo_file.a', 'demo_file.b', 'demo_file.c']);
    expect(state.resources['demo_file.b']?.attrs).toEqual({ host: 'h', written: true });
  });

  it('runs its own commands for every step the write does not vouch for', async () => {
    const { outcome, transport } = await apply(
      [create('a', { host: 'h' }), create('b', { host: 'h' }), create('c', { host: 'h' })],
      ({ command }) => (command.startsWith('write ') ? 'a c' : ''),
    );
    expect(transport.commands()).toEqual(['write a b c', 'own b']);
    expect(outcome.completed.map((s) => s.addr.name)).toEqual(['a', 'b', 'c']);
  });

  it('fails a step with its own error; a later step the write did is still recorded, one it did not is not run', async () => {
    const { outcome, transport, events, state } = await apply(
      [create('a', { host: 'h' }), create('b', { host: 'h' }), create('c', { host: 'h' })].concat(
        create('d', { host: 'h' }),
      ),
      ({ command }) => {
        if (command === 'write a b c') return 'a c';
        if (command === 'own b') return { exitCode: 1, stderr: 'b: disk full' };
        return '';
      },
    );
    expect(transport.commands()).toEqual(['write a b c', 'own b']);
    expect(outcome.failure?.step.addr.name).toBe('b');
    expect(String(outcome.failure?.error)).toContain('b: disk full');
    expect(outcome.completed.map((s) => s.addr.name)).toEqual(['a', 'c']);
    expect(Object.keys(state.resources).sort()).toEqual(['demo_file.a', 'demo_file.c']);
    expect(events).toContain('step_failed:b');
    expect(events.some((e) => e.endsWith(':d'))).toBe(false);
  });

  it('a write that cannot run vouches for nothing: each step meets the trouble on its own', async () => {
    const { outcome, transport } = await apply(
      [create('a', { host: 'h' }), create('b', { host: 'h' })],
      ({ command }) => {
        if (command.startsWith('write ')) throw new Error('connection reset');
        return '';
      },
    );
    expect(transport.commands()).toEqual(['write a b', 'own a', 'own b']);
    expect(outcome.failure).toBeUndefined();
  });

  it('keeps to the writer’s max, and breaks a group at an edge to a step already in it', async () => {
    const { transport } = await apply(
      [
        create('a', { host: 'h' }),
        create('b', { host: 'h' }),
        create('c', { host: 'h' }),
        create('d', { host: 'h' }),
        create('e', { host: 'h', depends_on: ['demo_file.d'] }),
      ],
      writesAll,
    );
    // d and e cannot share a write (e reads d), and a group of one runs its own command.
    expect(transport.commands()).toEqual(['write a b c', 'own d', 'own e']);
  });

  it('does not group steps of a kind that waits for readiness', async () => {
    const { transport } = await apply(
      [create('a', { host: 'h' }), create('b', { host: 'h' })],
      writesAll,
      registry({ ready: () => undefined }),
    );
    expect(transport.commands()).toEqual(['own a', 'own b']);
  });

  it('groups per host: each host gets its own write', async () => {
    const { transport } = await apply(
      [create('a', { host: 'h1' }), create('b', { host: 'h2' }), create('c', { host: 'h1' })],
      writesAll,
    );
    expect(transport.commands('h1')).toEqual(['write a c']);
    expect(transport.commands('h2')).toEqual(['own b']);
  });

  describe('recording what one write did', () => {
    const steps = () => [create('a', { host: 'h' }), create('b', { host: 'h' }), create('c', { host: 'h' })];

    it('records every step the write vouched for with one persistMany, then tells their events in plan order', async () => {
      const batches: string[][] = [];
      const { outcome, events, persisted } = await apply(
        steps(),
        writesAll,
        registry(),
        async (_state, keys) => {
          batches.push([...keys]);
        },
      );
      expect(batches).toEqual([['demo_file.a', 'demo_file.b', 'demo_file.c']]);
      expect(persisted).toEqual([]);
      expect(outcome.completed.map((s) => s.addr.name)).toEqual(['a', 'b', 'c']);
      expect(events).toEqual(ABC_WRITTEN);
    });

    it('calls no step done before its state is written: a failed persistMany fails each of them', async () => {
      const { outcome, events } = await apply(steps(), writesAll, registry(), async () => {
        throw new Error('disk full');
      });
      expect(outcome.completed).toEqual([]);
      expect(outcome.failure?.step.addr.name).toBe('a');
      expect(String(outcome.failure?.error)).toContain('disk full');
      expect(events.filter((e) => e.startsWith('step_failed'))).toEqual([
        'step_failed:a',
        'step_failed:b',
        'step_failed:c',
      ]);
      expect(events.some((e) => e.startsWith('step_done'))).toBe(false);
    });

    it('records in plan order around a step the write did not do: a, then b on its own, then c', async () => {
      const batches: string[][] = [];
      const { outcome, transport, persisted } = await apply(
        steps(),
        ({ command }) => (command.startsWith('write ') ? 'a c' : ''),
        registry(),
        async (_state, keys) => {
          batches.push([...keys]);
        },
      );
      expect(transport.commands()).toEqual(['write a b c', 'own b']);
      expect(batches).toEqual([['demo_file.a'], ['demo_file.c']]);
      expect(persisted).toEqual(['demo_file.b']);
      expect(outcome.completed.map((s) => s.addr.name)).toEqual(['a', 'b', 'c']);
    });
  });
});

describe('vector writes and values known after apply', () => {
  /** Steps write `<name>=<content>`; each records `id-<name>` as its computed `id`. */
  const contentOperation = (name: string, attrs: unknown): Operation => {
    const arg = `${name}=${(attrs as JsonObject).content as string}`;
    return {
      host: hostOf(attrs),
      commands: [{ command: `own ${arg}`, step: `own ${name}` }],
      record: () => ({ ...(attrs as JsonObject), id: `id-${name}` }),
      vector: {
        writer: {
          ...writer,
          commands: (_host, args) => [{ command: `write ${(args as string[]).join(' ')}`, step: 'write' }],
          split: (_results, args) => args.map(() => ({ exitCode: 0, stdout: '', stderr: '' })),
        },
        arg,
      },
    };
  };
  const contentRegistry = () =>
    registry({
      create: ({ name, attrs }) => contentOperation(name, attrs),
      update: ({ name, attrs }) => contentOperation(name, attrs),
    });

  it('writes a step that waits for a value on its own, after its producer, with the value', async () => {
    // No `reads` on the steps: no ordering edge keeps b out of a's write, only the wait for a's `id`.
    const { outcome, transport, state } = await apply(
      [
        create('a', { host: 'h', content: 'x' }),
        create('b', { host: 'h', content: `v=${afterApplyMarker('demo_file.a', 'id')}` }),
        create('c', { host: 'h', content: 'z' }),
      ],
      () => '',
      contentRegistry(),
    );
    expect(outcome.failure).toBeUndefined();
    // a alone (b waits for it); then b, now settled, goes into one write with c.
    expect(transport.commands()).toEqual(['own a=x', 'write b=v=id-a c=z']);
    expect(state.resources['demo_file.b']!.attrs).toMatchObject({ content: 'v=id-a' });
  });

  it('never groups a step that still waits, even when nothing else says so', () => {
    const item = (name: string, awaiting?: string[]) => ({
      step: create(name, { host: 'h' }),
      operation: operation(name, { host: 'h' }),
      ...(awaiting === undefined ? {} : { awaiting }),
    });
    const lane = [item('a'), item('b', ['demo_file.x']), item('c')];
    expect(vectorGroup(lane, 0, () => []).map((w) => w.step.addr.name)).toEqual(['a']);
    expect(vectorGroup(lane, 1, () => []).map((w) => w.step.addr.name)).toEqual(['b']);
    expect(vectorGroup([item('a'), item('c')], 0, () => []).map((w) => w.step.addr.name)).toEqual(['a', 'c']);
  });
});
