import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CommandFailedError } from '../command-failure';
import { StratumError } from '../errors';
import type { Operation, Readiness } from '../operation';
import { createPlan } from '../plan/plan';
import type { KindHandler } from '../provider';
import { Registry } from '../registry';
import { digestMatches, isLegacyDigest } from '../secrets/digest';
import { inlineMarker, markerFromDigest, markersIn } from '../secrets/markers';
import { RedactionMap, sha256Tagged } from '../secrets/redaction-map';
import { createFakeProvider } from '../test/fake-provider';
import { plannedStep } from '../test/plan-builders';
import { createRecordingTransport, type ExecCall, type Responder } from '../test/recording-transport';
import { resourceState, stateWith } from '../test/state-builders';
import type { JsonObject, JsonValue, PlannedResource, State } from '../types';
import { type ApplyPlanOptions, applyPlan } from './apply-plan';
import type { EngineEvent } from './events';

const KIND = 'demo_thing';

/** Which operations were built, in build order. */
let built: string[] = [];

const hostOf = (attrs: JsonValue): string => (attrs as JsonObject).host as string;

/** A demo kind whose steps run `<action> <name>` on the resource's host. */
function thing(extra: Partial<KindHandler<JsonObject>> = {}): Partial<KindHandler<JsonObject>> {
  return {
    create: ({ name, attrs }): Operation => {
      built.push(`create ${name}`);
      return { host: hostOf(attrs), commands: [{ command: `create ${name}`, step: `create ${name}` }] };
    },
    update: ({ name, attrs }): Operation => {
      built.push(`update ${name}`);
      return { host: hostOf(attrs), commands: [{ command: `update ${name}`, step: `update ${name}` }] };
    },
    delete: ({ name, prior }): Operation => {
      built.push(`delete ${name}`);
      return { host: hostOf(prior), commands: [{ command: `delete ${name}`, step: `delete ${name}` }] };
    },
    ...extra,
  };
}

function registryWith(
  extra: Partial<KindHandler<JsonObject>> = {},
  more: Record<string, Partial<KindHandler<JsonObject>>> = {},
) {
  return new Registry([createFakeProvider('demo', { [KIND]: thing(extra), ...more })]);
}

const create = (name: string, desired: JsonObject, kind = KIND) =>
  plannedStep(kind, name, { action: 'create', desired, prior: null });
const update = (name: string, desired: JsonObject, prior: JsonObject, kind = KIND) =>
  plannedStep(kind, name, { action: 'update', desired, prior });
const remove = (name: string, prior: JsonObject, kind = KIND) =>
  plannedStep(kind, name, { action: 'delete', desired: null, prior });
const noop = (name: string, attrs: JsonObject) => plannedStep(KIND, name, { action: 'noop', prior: attrs });

const keyOf = (step: PlannedResource) => `${step.addr.kind}.${step.addr.name}`;

interface Harness {
  options: ApplyPlanOptions;
  events: EngineEvent[];
  persisted: { key: string; resources: State['resources'] }[];
  timeline: string[];
  transport: ReturnType<typeof createRecordingTransport>;
}

/** Options for applyPlan with a recording transport whose responder logs start/end of each command. */
function harness(
  registry: Registry,
  responder: Responder = () => '',
  extra: Partial<ApplyPlanOptions> = {},
): Harness {
  const events: EngineEvent[] = [];
  const persisted: Harness['persisted'] = [];
  const timeline: string[] = [];
  const transport = createRecordingTransport(async (call) => {
    timeline.push(`start ${call.command}`);
    const reply = await responder(call);
    timeline.push(`end ${call.command}`);
    return reply;
  });
  const options: ApplyPlanOptions = {
    registry,
    transport,
    signal: new AbortController().signal,
    state: stateWith(),
    persist: async (state, key) => {
      persisted.push({ key, resources: structuredClone(state.resources) });
    },
    emit: (event) => events.push(event),
    sleep: async () => {},
    ...extra,
  };
  return { options, events, persisted, timeline, transport };
}

/** Rejects after `ms` with `message`, so a serialised lane fails instead of hanging. */
function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return Promise.race([promise, sleep(ms).then(() => Promise.reject(new Error(message)))]);
}

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const eventLine = (event: EngineEvent): string =>
  event.type === 'log' ? `log:${event.level}:${event.line}` : `${event.type}:${keyOf(event.step)}`;

describe('applyPlan', () => {
  it('runs different hosts at once: host hA waits until hB has started', async () => {
    built = [];
    const hBStarted = deferred();
    const { options, timeline } = harness(registryWith(), async (call: ExecCall) => {
      if (call.command === 'create a1') {
        await within(hBStarted.promise, 3000, 'hB never started while hA was busy');
      }
      if (call.command === 'create b1') hBStarted.resolve();
      return '';
    });
    const plan = createPlan([
      create('a1', { host: 'hA' }),
      create('a2', { host: 'hA' }),
      create('b1', { host: 'hB' }),
    ]);
    const outcome = await applyPlan(plan, options);
    expect(outcome.failure).toBeUndefined();
    expect(outcome.total).toBe(3);
    expect(outcome.completed.map(keyOf).sort()).toEqual(['demo_thing.a1', 'demo_thing.a2', 'demo_thing.b1']);
    // One host strictly in plan order, each step after the previous one finished.
    const hA = timeline.filter((line) => / a\d$/.test(line));
    expect(hA).toEqual(['start create a1', 'end create a1', 'start create a2', 'end create a2']);
    expect(timeline.indexOf('start create b1')).toBeLessThan(timeline.indexOf('end create a1'));
  });

  it('parallelism bounds how many hosts run at once: with 1, each host finishes before the next starts', async () => {
    built = [];
    const { options, timeline } = harness(registryWith(), () => '', { parallelism: 1 });
    const plan = createPlan([
      create('a1', { host: 'hA' }),
      create('b1', { host: 'hB' }),
      create('a2', { host: 'hA' }),
      create('c1', { host: 'hC' }),
    ]);
    const outcome = await applyPlan(plan, options);
    expect(outcome.failure).toBeUndefined();
    expect(timeline).toEqual([
      'start create a1',
      'end create a1',
      'start create a2',
      'end create a2',
      'start create b1',
      'end create b1',
      'start create c1',
      'end create c1',
    ]);
  });

  it('prepares each host with work once, before its first command', async () => {
    built = [];
    const { options, timeline } = harness(registryWith());
    const prepared: string[] = [];
    options.transport.prepare = (host) => {
      prepared.push(host);
      timeline.push(`prepare ${host}`);
    };
    const plan = createPlan([
      create('a1', { host: 'hA' }),
      create('b1', { host: 'hB' }),
      create('a2', { host: 'hA' }),
      noop('c1', { host: 'hC' }),
    ]);
    expect((await applyPlan(plan, options)).failure).toBeUndefined();
    // hC has nothing to do: it is not contacted.
    expect(prepared).toEqual(['hA', 'hB']);
    expect(timeline.indexOf('prepare hA')).toBeLessThan(timeline.indexOf('start create a1'));
    expect(timeline.indexOf('prepare hB')).toBeLessThan(timeline.indexOf('start create b1'));
  });

  it('builds every operation before running any step', async () => {
    built = [];
    const { options, timeline } = harness(registryWith(), () => {
      timeline.push(`built so far: ${built.join(', ')}`);
      return '';
    });
    await applyPlan(
      createPlan([create('a1', { host: 'hA' }), update('a2', { host: 'hA' }, { host: 'hA' })]),
      options,
    );
    expect(timeline[1]).toBe('built so far: create a1, update a2');
  });

  it('runs every step in plan order, one at a time, when a depends_on edge crosses hosts', async () => {
    built = [];
    const { options, timeline } = harness(registryWith(), async () => {
      await sleep(5);
      return '';
    });
    const plan = createPlan([
      create('a1', { host: 'hA' }),
      create('b1', { host: 'hB', depends_on: ['demo_thing.a1'] }),
      create('a2', { host: 'hA' }),
      create('c1', { host: 'hC' }),
    ]);
    const outcome = await applyPlan(plan, options);
    expect(outcome.failure).toBeUndefined();
    expect(timeline).toEqual([
      'start create a1',
      'end create a1',
      'start create b1',
      'end create b1',
      'start create a2',
      'end create a2',
      'start create c1',
      'end create c1',
    ]);
    expect(outcome.completed.map(keyOf)).toEqual([
      'demo_thing.a1',
      'demo_thing.b1',
      'demo_thing.a2',
      'demo_thing.c1',
    ]);
  });

  it('runs every step in plan order when an operation has a command on another host', async () => {
    built = [];
    const registry = registryWith({
      update: ({ name, attrs }): Operation => ({
        host: hostOf(attrs),
        commands: [
          { command: `update ${name}`, step: `update ${name}` },
          { command: `cleanup ${name}`, step: 'remove the old copy', host: 'hB' },
        ],
      }),
    });
    const { options, timeline } = harness(registry, async () => {
      await sleep(5);
      return '';
    });
    const outcome = await applyPlan(
      createPlan([update('a1', { host: 'hA' }, { host: 'hB' }), create('b1', { host: 'hB' })]),
      options,
    );
    expect(outcome.failure).toBeUndefined();
    expect(timeline).toEqual([
      'start update a1',
      'end update a1',
      'start cleanup a1',
      'end cleanup a1',
      'start create b1',
      'end create b1',
    ]);
  });

  it('keeps hosts parallel when depends_on edges stay within one host', async () => {
    built = [];
    const hBStarted = deferred();
    const { options } = harness(registryWith(), async (call) => {
      if (call.command === 'create a1') await within(hBStarted.promise, 3000, 'serialised');
      if (call.command === 'create b1') hBStarted.resolve();
      return '';
    });
    const outcome = await applyPlan(
      createPlan([
        create('a1', { host: 'hA' }),
        create('a2', { host: 'hA', depends_on: ['demo_thing.a1'] }),
        create('b1', { host: 'hB' }),
      ]),
      options,
    );
    expect(outcome.failure).toBeUndefined();
  });

  it('persists after every step with its key and the state as it was then', async () => {
    built = [];
    const { options, persisted } = harness(registryWith());
    options.state.resources['demo_thing.old'] = resourceState(KIND, 'old', { host: 'hA' });
    options.state.resources['demo_thing.changed'] = resourceState(KIND, 'changed', { host: 'hA', v: 1 });
    const plan = createPlan([
      create('a1', { host: 'hA', v: 1 }),
      update('changed', { host: 'hA', v: 2 }, { host: 'hA', v: 1 }),
      remove('old', { host: 'hA' }),
    ]);
    await applyPlan(plan, options);
    expect(persisted.map((p) => p.key)).toEqual(['demo_thing.a1', 'demo_thing.changed', 'demo_thing.old']);
    expect(Object.keys(persisted[0]!.resources).sort()).toEqual([
      'demo_thing.a1',
      'demo_thing.changed',
      'demo_thing.old',
    ]);
    expect(persisted[0]!.resources['demo_thing.changed']?.attrs).toEqual({ host: 'hA', v: 1 });
    expect(persisted[1]!.resources['demo_thing.changed']?.attrs).toEqual({ host: 'hA', v: 2 });
    expect(persisted[2]!.resources).not.toHaveProperty(['demo_thing.old']);
    expect(options.state.resources['demo_thing.a1']).toEqual({
      addr: { kind: KIND, name: 'a1' },
      provider: 'demo',
      attrs: { host: 'hA', v: 1 },
    });
  });

  it('stops at the first failure: state keeps exactly the steps that finished', async () => {
    built = [];
    const { options, persisted, transport } = harness(registryWith(), (call) =>
      call.command === 'create a2' ? { exitCode: 1, stderr: 'disk full' } : '',
    );
    const plan = createPlan([
      create('a1', { host: 'hA' }),
      create('a2', { host: 'hA' }),
      create('a3', { host: 'hA' }),
    ]);
    const outcome = await applyPlan(plan, options);
    expect(outcome.completed.map(keyOf)).toEqual(['demo_thing.a1']);
    expect(outcome.total).toBe(3);
    expect(outcome.failure?.step).toBe(plan.steps[1]);
    expect(CommandFailedError.isInstance(outcome.failure?.error)).toBe(true);
    expect(String((outcome.failure?.error as Error | undefined)?.message)).toBe(
      'demo_thing.a2: create a2 failed on hA (exit 1):\ndisk full',
    );
    expect(Object.keys(options.state.resources)).toEqual(['demo_thing.a1']);
    expect(persisted.map((p) => p.key)).toEqual(['demo_thing.a1']);
    expect(transport.commands()).toEqual(['create a1', 'create a2']);
  });

  it('a failure on one host stops the other hosts from starting another step', async () => {
    built = [];
    const failed = deferred();
    const { options, transport, events } = harness(registryWith(), async (call) => {
      if (call.command === 'create a1') return { exitCode: 2, stderr: 'nope' };
      if (call.command === 'create b1') await within(failed.promise, 3000, 'a1 never failed');
      return '';
    });
    const emit = options.emit;
    options.emit = (event) => {
      emit(event);
      if (event.type === 'step_failed') failed.resolve();
    };
    const outcome = await applyPlan(
      createPlan([create('b1', { host: 'hB' }), create('a1', { host: 'hA' }), create('b2', { host: 'hB' })]),
      options,
    );
    expect(outcome.failure?.step.addr.name).toBe('a1');
    // b1 was already running and finishes; b2 never starts.
    expect(outcome.completed.map(keyOf)).toEqual(['demo_thing.b1']);
    expect(transport.commands()).not.toContain('create b2');
    expect(events.filter((e) => e.type === 'step_start').map((e) => eventLine(e))).toEqual([
      'step_start:demo_thing.b1',
      'step_start:demo_thing.a1',
    ]);
  });

  it('fails a step whose operation cannot be built at its turn, after the earlier steps', async () => {
    built = [];
    const boom = new StratumError('BadThing', 'demo_thing.a3: cannot build');
    const registry = registryWith({
      create: ({ name, attrs }): Operation => {
        if (name === 'a3') throw boom;
        return { host: hostOf(attrs), commands: [{ command: `create ${name}`, step: `create ${name}` }] };
      },
    });
    const { options, events, transport } = harness(registry, async () => {
      await sleep(5);
      return '';
    });
    const outcome = await applyPlan(
      createPlan([create('a1', { host: 'hA' }), create('a2', { host: 'hA' }), create('a3', { host: 'hA' })]),
      options,
    );
    expect(outcome.failure?.error).toBe(boom);
    expect(outcome.failure?.step.addr.name).toBe('a3');
    expect(transport.commands()).toEqual(['create a1', 'create a2']);
    expect(outcome.completed.map(keyOf)).toEqual(['demo_thing.a1', 'demo_thing.a2']);
    expect(events.filter((e) => e.type !== 'log').map(eventLine)).toEqual([
      'step_start:demo_thing.a1',
      'step_done:demo_thing.a1',
      'step_start:demo_thing.a2',
      'step_done:demo_thing.a2',
      'step_start:demo_thing.a3',
      'step_failed:demo_thing.a3',
    ]);
  });

  it('fails a step whose attrs do not parse at its turn, with the AttributeError', async () => {
    built = [];
    const registry = registryWith({ schema: z.strictObject({ host: z.string(), size: z.number() }) });
    const { options } = harness(registry);
    const outcome = await applyPlan(
      createPlan([create('a1', { host: 'hA', size: 1 }), create('a2', { host: 'hA', size: 'big' })]),
      options,
    );
    expect(outcome.completed.map(keyOf)).toEqual(['demo_thing.a1']);
    expect(StratumError.hasCode(outcome.failure?.error, 'InvalidAttributes')).toBe(true);
    expect(String((outcome.failure?.error as Error | undefined)?.message)).toMatch(
      /^demo_thing\.a2: attribute `size` must be/,
    );
  });

  it('reports a step whose kind is not loaded as the failure, not as a rejection', async () => {
    built = [];
    const { options } = harness(registryWith());
    const plan = createPlan([create('a1', { host: 'hA' }), remove('x', { host: 'hA' }, 'ghost_thing')]);
    const outcome = await applyPlan(plan, options).catch((error: unknown) => ({ rejected: error }));
    expect(outcome).not.toHaveProperty('rejected');
    const done = outcome as Awaited<ReturnType<typeof applyPlan>>;
    expect(done.completed.map(keyOf)).toEqual(['demo_thing.a1']);
    expect(StratumError.hasCode(done.failure?.error, 'UnknownProvider')).toBe(true);
  });

  it('gives create the parsed attrs (defaults filled) and the raw desired attrs', async () => {
    built = [];
    const requests: JsonObject[] = [];
    const registry = registryWith({
      schema: z.strictObject({ host: z.string(), mode: z.string().default('0644') }),
      create: ({ attrs, raw }): Operation => {
        requests.push({ attrs, raw });
        return { host: hostOf(attrs), commands: [] };
      },
    });
    const { options } = harness(registry);
    await applyPlan(createPlan([create('a1', { host: 'hA', depends_on: ['demo_thing.z'] })]), options);
    expect(requests).toEqual([
      { attrs: { host: 'hA', mode: '0644' }, raw: { host: 'hA', depends_on: ['demo_thing.z'] } },
    ]);
    // Default record: the parsed attrs, plus the edges.
    expect(options.state.resources['demo_thing.a1']?.attrs).toEqual({
      host: 'hA',
      mode: '0644',
      depends_on: ['demo_thing.z'],
    });
  });

  it('removes the entry of a delete and records nothing for it', async () => {
    built = [];
    const { options, transport } = harness(registryWith());
    Object.assign(
      options.state.resources,
      stateWith(resourceState(KIND, 'old', { host: 'hA' }), resourceState(KIND, 'keep', { host: 'hA' }))
        .resources,
    );
    const outcome = await applyPlan(createPlan([remove('old', { host: 'hA' })]), options);
    expect(outcome.completed.map(keyOf)).toEqual(['demo_thing.old']);
    expect(Object.keys(options.state.resources)).toEqual(['demo_thing.keep']);
    expect(transport.commands()).toEqual(['delete old']);
  });

  it('redacts the recorded attrs with the redaction map', async () => {
    built = [];
    const PW = 'hunter2hunter2';
    const redaction = new RedactionMap({ digestCost: 4 });
    redaction.add('db_password', PW);
    const registry = registryWith({
      create: ({ attrs }): Operation => ({
        host: hostOf(attrs),
        commands: [{ command: `run --env PW=${PW}`, step: 'run' }],
        record: () => ({ host: hostOf(attrs), env: { PW }, url: `pg://app:${PW}@db/app`, id: 'c1' }),
      }),
    });
    const { options, persisted } = harness(registry, () => '', { redaction });
    await applyPlan(createPlan([create('db', { host: 'hA', env: { PW } })]), options);
    const attrs = options.state.resources['demo_thing.db']?.attrs;
    const digest = redaction.byName('db_password')!.digest;
    expect(digest).toMatch(/^scrypt:4:/);
    expect(attrs).toEqual({
      host: 'hA',
      env: { PW: markerFromDigest('db_password', digest) },
      url: `pg://app:${inlineMarker('db_password', digest)}@db/app`,
      id: 'c1',
    });
    expect(digestMatches(PW, digest)).toBe(true);
    expect(JSON.stringify(persisted)).not.toContain(PW);
  });

  it('replaces the spec’s sha256 markers in state with salted ones when it saves', async () => {
    built = [];
    const PW = 'hunter2hunter2';
    const redaction = new RedactionMap({ digestCost: 4 });
    redaction.add('db_password', PW);
    const { options, persisted } = harness(registryWith(), () => '', { redaction });
    const legacy = {
      host: 'hA',
      env: { PW: markerFromDigest('db_password', sha256Tagged(PW)) },
      url: `pg://app:${inlineMarker('db_password', sha256Tagged(PW))}@db/app`,
    };
    // A marker of a value the config no longer has is left as it is.
    const other = { host: 'hA', env: { PW: markerFromDigest('gone', sha256Tagged('some-other-value')) } };
    Object.assign(
      options.state.resources,
      stateWith(resourceState(KIND, 'keep', legacy), resourceState(KIND, 'other', other)).resources,
    );
    await applyPlan(createPlan([create('new', { host: 'hA' })]), options);
    const saved = persisted.at(-1)!.resources;
    const digest = redaction.byName('db_password')!.digest;
    expect(saved['demo_thing.keep']?.attrs).toEqual({
      host: 'hA',
      env: { PW: markerFromDigest('db_password', digest) },
      url: `pg://app:${inlineMarker('db_password', digest)}@db/app`,
    });
    expect(markersIn(saved['demo_thing.keep']?.attrs).every((m) => !isLegacyDigest(m.digest))).toBe(true);
    expect(saved['demo_thing.other']?.attrs).toEqual(other);
  });

  it('records depends_on for kinds that do not, and keeps a kind’s own', async () => {
    built = [];
    const registry = registryWith(
      {},
      {
        demo_own: {
          create: ({ attrs }): Operation => ({
            host: hostOf(attrs),
            commands: [],
            record: () => ({ host: hostOf(attrs), depends_on: ['recorded.by_kind'] }),
          }),
        },
      },
    );
    const { options } = harness(registry);
    await applyPlan(
      createPlan([
        create('a', { host: 'hA' }),
        create('b', { host: 'hA', depends_on: ['demo_thing.a'] }),
        create('c', { host: 'hA', depends_on: ['demo_thing.a'] }, 'demo_own'),
      ]),
      options,
    );
    expect(options.state.resources['demo_thing.a']?.attrs).toEqual({ host: 'hA' });
    expect(options.state.resources['demo_thing.b']?.attrs).toEqual({
      host: 'hA',
      depends_on: ['demo_thing.a'],
    });
    expect(options.state.resources['demo_own.c']?.attrs).toEqual({
      host: 'hA',
      depends_on: ['recorded.by_kind'],
    });
  });

  it('awaits readiness after create and update, with the parsed and recorded attrs, never after delete', async () => {
    built = [];
    const asked: JsonObject[] = [];
    const readiness = (name: string): Readiness => ({
      type: 'poll',
      host: 'hA',
      command: `health ${name}`,
      check: (result) => (result.stdout === 'ok\n' ? 'ready' : 'waiting'),
      timedOut: () => new StratumError('NotReady', `${name} not ready`),
    });
    const registry = registryWith({
      schema: z.strictObject({ host: z.string(), port: z.number().default(80) }),
      create: ({ name, attrs }): Operation => ({
        host: hostOf(attrs),
        commands: [{ command: `create ${name}`, step: 'create' }],
        record: () => ({ ...attrs, id: `id-${name}` }),
      }),
      ready: ({ name, attrs, recorded }) => {
        asked.push({ name, attrs, recorded });
        return readiness(name);
      },
    });
    let polls = 0;
    const { options, transport } = harness(registry, (call) =>
      call.command.startsWith('health') ? (++polls % 2 === 0 ? 'ok\n' : 'starting\n') : '',
    );
    Object.assign(
      options.state.resources,
      stateWith(resourceState(KIND, 'b', { host: 'hA' }), resourceState(KIND, 'c', { host: 'hA' })).resources,
    );
    const outcome = await applyPlan(
      createPlan([
        create('a', { host: 'hA' }),
        update('b', { host: 'hA', port: 81 }, { host: 'hA' }),
        remove('c', { host: 'hA' }),
      ]),
      options,
    );
    expect(outcome.failure).toBeUndefined();
    expect(transport.commands()).toEqual([
      'create a',
      'health a',
      'health a',
      'update b',
      'health b',
      'health b',
      'delete c',
    ]);
    expect(asked).toEqual([
      { name: 'a', attrs: { host: 'hA', port: 80 }, recorded: { host: 'hA', port: 80, id: 'id-a' } },
      { name: 'b', attrs: { host: 'hA', port: 81 }, recorded: { host: 'hA', port: 81 } },
    ]);
  });

  it('a pause readiness goes through the given sleep; a failed readiness fails the step after recording it', async () => {
    built = [];
    const waits: number[] = [];
    const registry = registryWith({
      ready: ({ name }): Readiness =>
        name === 'a'
          ? { type: 'pause', ms: 1500 }
          : {
              type: 'poll',
              host: 'hA',
              command: 'health',
              maxPolls: 2,
              check: () => 'waiting',
              timedOut: () => new StratumError('NotReady', 'b never became healthy'),
            },
    });
    const { options, persisted } = harness(registry, () => '', {
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const outcome = await applyPlan(
      createPlan([create('a', { host: 'hA' }), create('b', { host: 'hA' }), create('c', { host: 'hA' })]),
      options,
    );
    expect(waits).toEqual([1500, 1000]);
    expect(outcome.completed.map(keyOf)).toEqual(['demo_thing.a']);
    expect(String((outcome.failure?.error as Error | undefined)?.message)).toBe('b never became healthy');
    // The resource exists: state keeps it.
    expect(persisted.map((p) => p.key)).toEqual(['demo_thing.a', 'demo_thing.b']);
  });

  it('skips noops and counts only steps with work', async () => {
    built = [];
    const { options, events, transport } = harness(registryWith());
    const outcome = await applyPlan(
      createPlan([noop('same', { host: 'hA' }), create('a', { host: 'hA' }), noop('other', { host: 'hB' })]),
      options,
    );
    expect(outcome.total).toBe(1);
    expect(outcome.completed.map(keyOf)).toEqual(['demo_thing.a']);
    expect(built).toEqual(['create a']);
    expect(transport.commands()).toEqual(['create a']);
    expect(events.filter((e) => e.type === 'step_start')).toHaveLength(1);
  });

  it('runs once commands once per host across the steps of one apply', async () => {
    built = [];
    const registry = registryWith({
      create: ({ name, attrs }): Operation => ({
        host: hostOf(attrs),
        commands: [
          { command: 'apt-get update', step: 'apt-get update', once: 'apt-update' },
          { command: `install ${name}`, step: `install ${name}` },
        ],
      }),
    });
    const { options, transport } = harness(registry);
    await applyPlan(
      createPlan([create('a', { host: 'hA' }), create('b', { host: 'hA' }), create('c', { host: 'hB' })]),
      options,
    );
    expect(transport.commands('hA')).toEqual(['apt-get update', 'install a', 'install b']);
    expect(transport.commands('hB')).toEqual(['apt-get update', 'install c']);
  });

  it('emits start, warnings, trace lines and done in order per lane', async () => {
    built = [];
    const registry = registryWith({
      create: ({ name, attrs }): Operation => ({
        host: hostOf(attrs),
        commands: [
          { command: `stop ${name}`, step: `stop ${name}`, onFailure: 'warn' },
          { command: `create ${name}`, step: `create ${name}` },
        ],
        trace: [`[demo] THING ${name}`],
      }),
    });
    const { options, events } = harness(registry, (call) =>
      call.command.startsWith('stop') ? { exitCode: 1, stderr: 'not running' } : '',
    );
    await applyPlan(
      createPlan([create('a1', { host: 'hA' }), create('b1', { host: 'hB' }), create('a2', { host: 'hA' })]),
      options,
    );
    const lane = (name: RegExp) =>
      events
        .filter((e) => (e.type === 'log' ? name.test(e.line) : name.test(e.step.addr.name)))
        .map(eventLine);
    expect(lane(/a\d/)).toEqual([
      'step_start:demo_thing.a1',
      'log:warn:demo_thing.a1: stop a1 on hA failed (exit 1); ignored: not running',
      'log:trace:[demo] THING a1',
      'step_done:demo_thing.a1',
      'step_start:demo_thing.a2',
      'log:warn:demo_thing.a2: stop a2 on hA failed (exit 1); ignored: not running',
      'log:trace:[demo] THING a2',
      'step_done:demo_thing.a2',
    ]);
    expect(lane(/b1/)).toEqual([
      'step_start:demo_thing.b1',
      'log:warn:demo_thing.b1: stop b1 on hB failed (exit 1); ignored: not running',
      'log:trace:[demo] THING b1',
      'step_done:demo_thing.b1',
    ]);
    const start = events.find((e) => e.type === 'step_start');
    expect(start).toMatchObject({ type: 'step_start', host: 'hA' });
    const done = events.find((e) => e.type === 'step_done');
    expect(done?.type === 'step_done' && done.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('emits step_failed with the error and the host, and no trace for a failed step', async () => {
    built = [];
    const registry = registryWith({
      create: ({ name, attrs }): Operation => ({
        host: hostOf(attrs),
        commands: [{ command: `create ${name}`, step: `create ${name}` }],
        trace: [`[demo] THING ${name}`],
      }),
    });
    const { options, events } = harness(registry, () => ({ exitCode: 1 }));
    const outcome = await applyPlan(createPlan([create('a1', { host: 'hA' })]), options);
    expect(events.map(eventLine)).toEqual(['step_start:demo_thing.a1', 'step_failed:demo_thing.a1']);
    expect(events[1]).toMatchObject({ type: 'step_failed', host: 'hA', error: outcome.failure?.error });
  });

  it('fails the step when the operation’s record throws, recording nothing', async () => {
    built = [];
    const registry = registryWith({
      create: ({ attrs }): Operation => ({
        host: hostOf(attrs),
        commands: [{ command: 'inspect', step: 'inspect' }],
        record: () => {
          throw new StratumError('UnexpectedOutput', 'demo_thing.a: no id in the output');
        },
      }),
    });
    const { options, persisted } = harness(registry, () => 'garbage');
    const outcome = await applyPlan(createPlan([create('a', { host: 'hA' })]), options);
    expect(StratumError.hasCode(outcome.failure?.error, 'UnexpectedOutput')).toBe(true);
    expect(options.state.resources).toEqual({});
    expect(persisted).toEqual([]);
  });

  it('reports an apply that stopped on abort: no failure only when every step finished', async () => {
    built = [];
    const controller = new AbortController();
    const { options } = harness(
      registryWith(),
      () => {
        controller.abort(new Error('interrupted'));
        return '';
      },
      { signal: controller.signal },
    );
    const outcome = await applyPlan(
      createPlan([create('a1', { host: 'hA' }), create('a2', { host: 'hA' })]),
      options,
    );
    expect(outcome.completed.map(keyOf)).toEqual(['demo_thing.a1']);
    // ApplyOutcome.failure: "absent when every step finished" — here one did not.
    expect(outcome.failure).toBeDefined();
  });
});
