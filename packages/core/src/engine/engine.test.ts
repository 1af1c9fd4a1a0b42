import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StratumError } from '../errors';
import { InvalidAttributeError } from '../invalid-attribute';
import type { Operation } from '../operation';
import type { KindHandler, Provider, ProviderContext } from '../provider';
import { Registry } from '../registry';
import { digestMatches, isLegacyDigest } from '../secrets/digest';
import { markerFromDigest, markersIn, unresolvedPlaceholder } from '../secrets/markers';
import { RedactionMap, sha256Hex, sha256Tagged } from '../secrets/redaction-map';
import { renderMarker } from '../secrets/render';
import { fileStateBackend } from '../state/backend';
import { StateLockedError } from '../state/errors';
import { journalPathFor } from '../state/journal';
import { lockPathFor } from '../state/lock';
import { saveState } from '../state/save';
import { serializeState } from '../state/schema';
import { createFakeProvider } from '../test/fake-provider';
import { createRecordingTransport, type Responder } from '../test/recording-transport';
import { desiredResource, resourceState, stateWith } from '../test/state-builders';
import type { DesiredResource, JsonObject, Plan } from '../types';
import { createEngine, type EngineOptions } from './engine';
import type { EngineEvent } from './events';
import { DestroyRefusedError } from './guards';

const PW = 'hunter2hunter2-long';

/** The run's secrets: `db_password`, with a cheap digest cost. */
function secrets(): RedactionMap {
  const redaction = new RedactionMap({ digestCost: 4 });
  redaction.add('db_password', PW);
  return redaction;
}

/** How output prints `db_password` in the run of `redaction`. */
function shown(redaction: RedactionMap): string {
  const text = renderMarker('db_password', redaction.byName('db_password')!.digest);
  expect(text).toMatch(/^<secret:db_password sha:[0-9a-f]{6}>$/);
  return text;
}

let dir: string;
let statePath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-engine-'));
  statePath = join(dir, 'state.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hostOf = (attrs: JsonObject) => attrs.host as string;

/** Steps run `<action> <name>`; reads answer from `hostView` (what the host has), so a self-check sees it. */
function demoKind(extra: Partial<KindHandler<JsonObject>> = {}): Partial<KindHandler<JsonObject>> {
  return {
    schema: z.strictObject({ host: z.string(), value: z.string().optional() }),
    create: ({ name, attrs }): Operation => ({
      host: hostOf(attrs),
      commands: [{ command: `create ${name}`, step: `create ${name}` }],
    }),
    update: ({ name, attrs }): Operation => ({
      host: hostOf(attrs),
      commands: [{ command: `update ${name}`, step: `update ${name}` }],
    }),
    delete: ({ name, prior }): Operation => ({
      host: hostOf(prior as JsonObject),
      commands: [{ command: `delete ${name}`, step: `delete ${name}` }],
    }),
    read: async ({ prior }) => ({ status: 'present', attrs: prior }),
    ...extra,
  };
}

function setup(
  options: {
    kind?: Partial<KindHandler<JsonObject>>;
    provider?: Partial<Provider>;
    responder?: Responder;
    engine?: Partial<EngineOptions>;
  } = {},
) {
  const fake = createFakeProvider('demo', { demo_thing: demoKind(options.kind) });
  const provider: Provider = { ...fake, ...options.provider };
  const registry = new Registry([provider]);
  const transport = createRecordingTransport(options.responder ?? (() => ''));
  const events: EngineEvent[] = [];
  const engine = createEngine({
    registry,
    transport,
    state: fileStateBackend(statePath),
    onEvent: (event) => events.push(event),
    sleep: async () => {},
    ...options.engine,
  });
  return { engine, transport, events, fake, registry };
}

const thing = (name: string, attrs: JsonObject = { host: 'hA' }, source?: DesiredResource['source']) =>
  desiredResource('demo_thing', name, attrs, source);

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('createEngine().apply', () => {
  it('creates, saves state after the steps and self-checks with a refreshed plan', async () => {
    const { engine, transport } = setup();
    const result = await engine.apply([thing('a'), thing('b', { host: 'hB' })]);
    expect(result.outcome?.failure).toBeUndefined();
    expect(result.outcome?.completed).toHaveLength(2);
    expect(transport.commands().sort()).toEqual(['create a', 'create b']);
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    expect(Object.keys(saved.resources).sort()).toEqual(['demo_thing.a', 'demo_thing.b']);
    expect(result.check).toBeDefined();
    expect(result.check!.wasRefreshed()).toBe(true);
    expect(result.check!.summary()).toMatchObject({ create: 0, update: 0, delete: 0, noop: 2, drifted: 0 });
    expect(existsSync(lockPathFor(statePath))).toBe(false);
  });

  it('skips the self-check when told to, and after a failure', async () => {
    const { engine } = setup();
    expect((await engine.apply([thing('a')], { selfCheck: false })).check).toBeUndefined();
    const failing = setup({ responder: () => ({ exitCode: 1, stderr: 'nope' }) });
    const result = await failing.engine.apply([thing('a'), thing('b')]);
    expect(result.outcome?.failure).toBeDefined();
    expect(result.check).toBeUndefined();
  });

  it('journals the steps while it runs and folds the journal into the state file when it ends, failed or not', async () => {
    const journal = journalPathFor(statePath);
    const seen: boolean[] = [];
    const { engine } = setup({
      responder: (call) => (call.command === 'create c' ? { exitCode: 1, stderr: 'nope' } : ''),
      engine: { onEvent: (event) => void (event.type === 'step_done' && seen.push(existsSync(journal))) },
    });
    const result = await engine.apply([thing('a'), thing('b'), thing('c'), thing('d')]);
    expect(result.outcome?.failure?.step.addr.name).toBe('c');
    // The first step rewrote the file; the second was appended to the journal.
    expect(seen).toEqual([false, true]);
    expect(existsSync(journal)).toBe(false);
    const saved = await readFile(statePath, 'utf8');
    expect(saved).toBe(serializeState(await fileStateBackend(statePath).read()));
    expect(Object.keys(JSON.parse(saved).resources)).toEqual(['demo_thing.a', 'demo_thing.b']);
    expect(existsSync(lockPathFor(statePath))).toBe(false);

    const next = await setup().engine.apply([thing('a'), thing('b'), thing('c'), thing('d')]);
    expect(next.outcome?.completed.map((s) => s.addr.name)).toEqual(['c', 'd']);
    expect(existsSync(journal)).toBe(false);
    expect(Object.keys(JSON.parse(await readFile(statePath, 'utf8')).resources)).toHaveLength(4);
  });

  it('holds the state lock: a second apply while the first runs is refused with StateLocked', async () => {
    const running = deferred();
    const proceed = deferred();
    const first = setup({
      responder: async () => {
        running.resolve();
        await proceed.promise;
        return '';
      },
    });
    const applying = first.engine.apply([thing('a')]);
    await running.promise;
    expect(existsSync(lockPathFor(statePath))).toBe(true);

    const second = setup();
    const refused = await second.engine.apply([thing('a')]).catch((error: unknown) => error);
    expect(StateLockedError.isInstance(refused)).toBe(true);
    expect(StratumError.hasCode(refused, 'StateLocked')).toBe(true);
    expect(second.transport.calls).toEqual([]);
    // Planning reads state without the lock.
    expect((await second.engine.plan([thing('a')])).steps[0]?.action).toBe('create');

    proceed.resolve();
    await applying;
    expect(existsSync(lockPathFor(statePath))).toBe(false);
    const again = await second.engine.apply([thing('a')]);
    expect(again.outcome).toBeUndefined();
  });

  it('records the command in the lock', async () => {
    const running = deferred();
    const proceed = deferred();
    const { engine } = setup({
      responder: async () => {
        running.resolve();
        await proceed.promise;
        return '';
      },
      engine: { command: 'my-deployer' },
    });
    const applying = engine.apply([thing('a')]);
    await running.promise;
    expect(JSON.parse(await readFile(lockPathFor(statePath), 'utf8')).command).toBe('my-deployer');
    proceed.resolve();
    await applying;
  });

  it('releases the lock after a failed step, a refused plan and a throwing onPlan', async () => {
    const failing = setup({ responder: () => ({ exitCode: 1 }) });
    await failing.engine.apply([thing('a')]);
    expect(existsSync(lockPathFor(statePath))).toBe(false);

    await saveState(statePath, stateWith(resourceState('demo_thing', 'old', { host: 'hA' })));
    const { engine } = setup();
    await expect(engine.apply([])).rejects.toThrow(DestroyRefusedError);
    expect(existsSync(lockPathFor(statePath))).toBe(false);

    await expect(
      engine.apply([thing('x')], {
        allowDestroy: true,
        onPlan: () => {
          throw new Error('cancelled');
        },
      }),
    ).rejects.toThrow('cancelled');
    expect(existsSync(lockPathFor(statePath))).toBe(false);
  });

  it('shows the plan to onPlan before the guards refuse it, and runs nothing', async () => {
    await saveState(statePath, stateWith(resourceState('demo_thing', 'old', { host: 'hA' })));
    const { engine, transport } = setup();
    const seen: Plan[] = [];
    const error = await engine
      .apply([thing('a')], { onPlan: (plan) => void seen.push(plan) })
      .catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.steps.map((s) => `${s.action} ${s.addr.name}`)).toEqual(['create a', 'delete old']);
    expect(DestroyRefusedError.isInstance(error)).toBe(true);
    expect((error as DestroyRefusedError).addresses).toEqual(['demo_thing.old']);
    expect((error as Error).message).toBe('refusing to apply: plan would delete 1 resource not in config:');
    expect(transport.calls).toEqual([]);
  });

  it('awaits an async onPlan before anything runs', async () => {
    const { engine, transport } = setup();
    const order: string[] = [];
    await engine.apply([thing('a')], {
      onPlan: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(`onPlan saw ${transport.calls.length} commands`);
      },
    });
    expect(order).toEqual(['onPlan saw 0 commands']);
  });

  it('deletes with allowDestroy', async () => {
    await saveState(statePath, stateWith(resourceState('demo_thing', 'old', { host: 'hA' })));
    const { engine, transport } = setup();
    const result = await engine.apply([], { allowDestroy: true });
    expect(result.outcome?.completed.map((s) => s.addr.name)).toEqual(['old']);
    expect(transport.commands()).toEqual(['delete old']);
    expect(JSON.parse(await readFile(statePath, 'utf8')).resources).toEqual({});
  });

  it('refuses a plan holding an unresolved-secret placeholder', async () => {
    const { engine, transport } = setup();
    const error = await engine
      .apply([thing('a', { host: 'hA', value: `pw=${unresolvedPlaceholder('db_password')}` })])
      .catch((e: unknown) => e);
    expect(StratumError.hasCode(error, 'UnresolvedSecret')).toBe(true);
    expect((error as Error).message).toBe(
      'refusing to apply: plan contains unresolved-secret placeholder for `db_password`',
    );
    expect(transport.calls).toEqual([]);
    expect(existsSync(lockPathFor(statePath))).toBe(false);
  });

  it('configures the providers with their settings parsed by configSchema, before any step', async () => {
    const order: string[] = [];
    const received: { settings: JsonObject; ctx: ProviderContext }[] = [];
    const { engine } = setup({
      responder: (call) => {
        order.push(`exec ${call.command}`);
        return '';
      },
      provider: {
        configSchema: z.strictObject({ token: z.string(), region: z.string().default('ams3') }),
        configure: (settings, ctx) => {
          order.push('configure');
          received.push({ settings, ctx });
        },
      },
      engine: { providers: [{ name: 'demo', attrs: { source: '@acme/stratum-demo', token: 't0k3n' } }] },
    });
    await engine.apply([thing('a')]);
    expect(order).toEqual(['configure', 'exec create a']);
    expect(received[0]?.settings).toEqual({ token: 't0k3n', region: 'ams3' });
    expect(typeof received[0]?.ctx.log.trace).toBe('function');
  });

  it('does nothing when there is nothing to do: no outcome, no command, no configure', async () => {
    await saveState(statePath, stateWith(resourceState('demo_thing', 'a', { host: 'hA' })));
    const configured: JsonObject[] = [];
    const { engine, transport } = setup({
      provider: { configure: (settings) => void configured.push(settings) },
      engine: { providers: [{ name: 'demo', attrs: {} }] },
    });
    const result = await engine.apply([thing('a')]);
    expect(result.outcome).toBeUndefined();
    expect(result.check).toBeUndefined();
    expect(result.plan.summary().noop).toBe(1);
    expect(transport.calls).toEqual([]);
    expect(configured).toEqual([]);
  });

  it('plans against the state read under the lock and applies an update', async () => {
    await saveState(statePath, stateWith(resourceState('demo_thing', 'a', { host: 'hA', value: 'old' })));
    const { engine, transport } = setup();
    const result = await engine.apply([thing('a', { host: 'hA', value: 'new' })]);
    expect(result.plan.steps[0]?.action).toBe('update');
    expect(transport.commands()).toEqual(['update a']);
    expect(JSON.parse(await readFile(statePath, 'utf8')).resources['demo_thing.a'].attrs).toEqual({
      host: 'hA',
      value: 'new',
    });
  });

  it('scrubs secret plaintext out of every log line it sends: traces, warnings and provider logs', async () => {
    const redaction = secrets();
    const { engine, events } = setup({
      kind: {
        create: ({ name, attrs }): Operation => ({
          host: hostOf(attrs),
          commands: [
            { command: 'stop', step: 'stop old', onFailure: 'warn' },
            { command: `create ${name}`, step: `create ${name}` },
          ],
          trace: [`[demo] THING ${name} password=${PW}`],
        }),
      },
      responder: (call) => (call.command === 'stop' ? { exitCode: 1, stderr: `bad password ${PW}` } : ''),
      provider: {
        configure: (_settings, ctx) => {
          ctx.log.debug(`configured with ${PW}`);
        },
      },
      engine: { redaction, providers: [{ name: 'demo', attrs: {} }] },
    });
    await engine.apply([thing('a', { host: 'hA', value: PW })]);
    const lines = events.flatMap((e) => (e.type === 'log' ? [`${e.level}: ${e.line}`] : []));
    const SHOWN = shown(redaction);
    expect(lines).toEqual([
      `debug: configured with ${SHOWN}`,
      `warn: demo_thing.a: stop old on hA failed (exit 1); ignored: bad password ${SHOWN}`,
      `trace: [demo] THING a password=${SHOWN}`,
    ]);
    // Six digits of the salted hash, never of a fast hash of the value.
    expect(SHOWN).not.toContain(sha256Hex(PW).slice(0, 6));
  });

  it('scrubs a log line that is nothing but the secret', async () => {
    const redaction = secrets();
    const { engine, events } = setup({
      kind: {
        create: ({ attrs }): Operation => ({ host: hostOf(attrs), commands: [], trace: [PW] }),
      },
      engine: { redaction },
    });
    const result = await engine.apply([thing('a')]);
    // The step's work is done; printing its trace line must not fail it.
    expect(result.outcome?.failure?.error).toBeUndefined();
    expect(events.flatMap((e) => (e.type === 'log' ? [e.line] : []))).toEqual([shown(redaction)]);
  });

  it('sends no event that carries a secret’s plaintext', async () => {
    // events.ts: "Log lines have passed the engine's secret scrubbing; nothing else carries attribute values."
    const redaction = secrets();
    const { engine, events } = setup({ engine: { redaction } });
    await engine.apply([thing('a', { host: 'hA', value: PW })], { selfCheck: false });
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(JSON.stringify(event)).not.toContain(PW);
  });

  it('never records a secret plaintext in the state file', async () => {
    const redaction = secrets();
    const { engine } = setup({ engine: { redaction } });
    await engine.apply([thing('a', { host: 'hA', value: PW })]);
    const text = await readFile(statePath, 'utf8');
    expect(text).not.toContain(PW);
    expect(text).toContain('"__secret": "db_password"');
    expect(JSON.parse(text).resources['demo_thing.a'].attrs.value).toEqual({
      __secret: 'db_password',
      __secret_sha256: expect.stringMatching(/^scrypt:4:/),
    });
  });

  it('never records a secret plaintext in the state journal', async () => {
    const redaction = secrets();
    const journal = journalPathFor(statePath);
    const journaled: string[] = [];
    const { engine } = setup({
      engine: {
        redaction,
        onEvent: (event) => {
          if (event.type === 'step_done' && existsSync(journal))
            journaled.push(readFileSync(journal, 'utf8'));
        },
      },
    });
    await engine.apply([
      thing('a', { host: 'hA', value: 'plain' }),
      thing('b', { host: 'hA', value: PW }),
      thing('c', { host: 'hA', value: `pw=${PW}` }),
    ]);
    expect(journaled).toHaveLength(2);
    const last = journaled.at(-1)!;
    expect(last).toContain('"put":"demo_thing.b"');
    expect(last).toContain('"__secret":"db_password"');
    expect(last).toContain('<secret:db_password:');
    for (const text of journaled) expect(text).not.toContain(PW);
  });

  it('keeps the digest state has for an unchanged secret on the next run (no churn in state)', async () => {
    await secretsRun(secrets());
    const first = await readFile(statePath, 'utf8');
    // A new run (a new process): a new map, whose digest is settled from the state's.
    const redaction = secrets();
    const result = await secretsRun(redaction);
    expect(result.plan.steps[0]?.action).toBe('noop');
    expect(await readFile(statePath, 'utf8')).toBe(first);
    const [recorded] = markersIn(JSON.parse(first).resources);
    expect(redaction.byName('db_password')!.digest).toBe(recorded!.digest);
  });

  it('understands a state written with the spec’s sha256 markers, and upgrades them when it saves', async () => {
    await saveState(
      statePath,
      stateWith(
        resourceState('demo_thing', 'a', {
          host: 'hA',
          value: markerFromDigest('db_password', sha256Tagged(PW)),
        }),
        resourceState('demo_thing', 'b', { host: 'hA', value: 'x' }),
      ),
    );
    const redaction = secrets();
    const { engine } = setup({ engine: { redaction } });
    const result = await engine.apply([
      thing('a', { host: 'hA', value: PW }),
      thing('b', { host: 'hA', value: 'y' }),
    ]);
    expect(result.plan.steps.map((s) => s.action)).toEqual(['noop', 'update']);
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    const [marker, ...others] = markersIn(saved.resources);
    expect(others).toEqual([]);
    expect(isLegacyDigest(marker!.digest)).toBe(false);
    expect(digestMatches(PW, marker!.digest)).toBe(true);
    expect(marker!.digest).toBe(redaction.byName('db_password')!.digest);
  });
});

/** Applies `demo_thing.a` holding the secret, with `redaction` as the run's secrets. */
async function secretsRun(redaction: RedactionMap) {
  const { engine } = setup({ engine: { redaction } });
  const result = await engine.apply([thing('a', { host: 'hA', value: PW })]);
  expect(result.outcome?.failure?.error).toBeUndefined();
  return result;
}

describe('createEngine().plan / refresh', () => {
  it('plans without touching a host, and refreshes with one read per resource', async () => {
    await saveState(statePath, stateWith(resourceState('demo_thing', 'a', { host: 'hA', value: 'x' })));
    const reads: string[] = [];
    const { engine, transport } = setup({
      kind: {
        read: async ({ name, prior }) => {
          reads.push(name);
          return { status: 'present', attrs: { ...(prior as JsonObject), value: 'drifted' } };
        },
      },
    });
    const plan = await engine.plan([thing('a', { host: 'hA', value: 'x' })]);
    expect(plan.wasRefreshed()).toBe(false);
    expect(transport.calls).toEqual([]);
    expect(reads).toEqual([]);
    const refreshed = await engine.refresh(plan);
    expect(refreshed.steps[0]?.drift?.changes).toEqual([{ field: 'value', from: 'x', to: 'drifted' }]);
    const repaired = await engine.plan([thing('a', { host: 'hA', value: 'x' })], { repair: true });
    expect(repaired.steps[0]?.action).toBe('update');
  });

  it('plans digested attributes by their digest', async () => {
    await saveState(
      statePath,
      stateWith(resourceState('demo_thing', 'a', { host: 'hA', sha256: sha256Hex('same content') })),
    );
    const { engine } = setup({
      kind: {
        schema: z.strictObject({ host: z.string(), content: z.string() }),
        digests: { content: 'sha256' },
      },
    });
    const plan = await engine.plan([thing('a', { host: 'hA', content: 'same content' })]);
    expect(plan.steps[0]?.action).toBe('noop');
  });
});

describe('createEngine().prepare', () => {
  const source = (attrs: string[]): DesiredResource['source'] => ({
    block: { file: 'app.strat', line: 1, column: 1 },
    attrs: Object.fromEntries(attrs.map((a, i) => [a, { file: 'app.strat', line: i + 2, column: 3 }])),
    dir: '/configs',
  });

  it('returns the prepared attrs and locates a prepare error at its attribute', async () => {
    const { engine } = setup({
      kind: {
        schema: z.strictObject({ host: z.string(), content: z.string() }),
        prepare: (attrs, local) => {
          if (attrs.content_file === 'missing.txt') {
            throw new InvalidAttributeError(
              'LocalFileMissing',
              'content_file',
              'cannot read `content_file`',
              {
                hint: 'check the path',
              },
            );
          }
          const { content_file: file, ...rest } = attrs;
          return { ...rest, content: `from ${local.baseDir}/${String(file)}` };
        },
      },
    });
    const prepared = await engine.prepare([
      thing('a', { host: 'hA', content_file: 'motd.txt' }, source(['host', 'content_file'])),
      thing('b', { host: 'hA', content_file: 'missing.txt' }, source(['host', 'content_file'])),
    ]);
    expect(prepared.resources[0]?.attrs).toEqual({ host: 'hA', content: 'from /configs/motd.txt' });
    expect(prepared.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'LocalFileMissing',
        message: 'demo_thing.b: cannot read `content_file`',
        addr: { kind: 'demo_thing', name: 'b' },
        location: { file: 'app.strat', line: 3, column: 3 },
        hint: 'check the path',
      },
    ]);
  });

  it('reports provider settings problems with their positions', async () => {
    const block = (name: string, attrs: JsonObject) => ({
      name,
      attrs,
      source: {
        block: { file: 'providers.strat', line: 1, column: 1 },
        attrs: Object.fromEntries(
          Object.keys(attrs).map((a, i) => [a, { file: 'providers.strat', line: i + 2, column: 3 }]),
        ),
      },
    });
    const plain = createFakeProvider('plain', { plain_thing: {} });
    const bare: Provider = { name: plain.name, kinds: plain.kinds };
    const { engine } = setup({
      provider: { configSchema: z.strictObject({ token: z.string(), region: z.string().optional() }) },
      engine: {
        providers: [
          block('demo', { source: '@acme/demo', tokne: 'x' }),
          block('ghost', { source: '@acme/ghost' }),
        ],
      },
    });
    const diagnostics = (await engine.prepare([])).diagnostics;
    expect(diagnostics.map((d) => [d.code, d.message, d.location?.line])).toEqual([
      ['MissingAttribute', 'provider `demo`: missing required setting `token`', 1],
      ['UnknownAttribute', 'provider `demo`: unknown setting `tokne` (did you mean `token`?)', 3],
      ['UnknownProvider', 'provider `ghost`: no provider of that name is loaded', 1],
    ]);

    const withBare = createEngine({
      registry: new Registry([bare]),
      transport: createRecordingTransport(),
      state: fileStateBackend(statePath),
      providers: [block('plain', { source: 'x', verbose: true })],
    });
    expect((await withBare.prepare([])).diagnostics).toEqual([
      {
        severity: 'error',
        code: 'UnknownAttribute',
        message: 'provider `plain`: unknown setting `verbose` (this provider takes no settings)',
        addr: { kind: 'provider', name: 'plain' },
        location: { file: 'providers.strat', line: 3, column: 3 },
        hint: 'remove it, or the whole block',
      },
    ]);
  });

  it('reports schema problems and secret placement, not touching any host', async () => {
    const { engine, transport } = setup({ kind: { identity: ['host'] } });
    const prepared = await engine.prepare([
      thing(
        'a',
        { host: 'hA', colour: 'red' },
        {
          block: { line: 1, column: 1 },
          attrs: {},
          secretRefs: [{ attr: 'host', secret: 'h', location: { line: 2, column: 10 } }],
        },
      ),
    ]);
    expect(prepared.diagnostics.map((d) => d.code)).toEqual(['SecretInUnsupportedAttr', 'UnknownAttribute']);
    expect(transport.calls).toEqual([]);
  });
});

describe('createEngine with a state file someone else wrote', () => {
  it('propagates a corrupt state file and releases the lock', async () => {
    await writeFile(statePath, '{ not json');
    const { engine } = setup();
    await expect(engine.apply([thing('a')])).rejects.toMatchObject({ code: 'StateCorrupt' });
    expect(existsSync(lockPathFor(statePath))).toBe(false);
  });
});
