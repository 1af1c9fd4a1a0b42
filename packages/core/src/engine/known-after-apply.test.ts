import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { afterApplyMarker } from '../after-apply';
import type { Operation } from '../operation';
import type { KindHandler } from '../provider';
import { Registry } from '../registry';
import { renderChange, renderValue } from '../secrets/render';
import { fileStateBackend } from '../state/backend';
import { createFakeProvider } from '../test/fake-provider';
import { createRecordingTransport } from '../test/recording-transport';
import { desiredResource } from '../test/state-builders';
import type { DesiredResource, JsonObject, Plan, ResourceRefSite } from '../types';
import { validateDesired } from '../validate';
import { createEngine } from './engine';

/**
 * Values known only after apply, through the engine: `demo_build` computes a
 * `build_id` (`id-<version>`, what its build command prints); `demo_run`
 * runs its `command` and `demo_build` may read another build's id as its
 * `version`.
 */

let dir: string;
let statePath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-after-apply-'));
  statePath = join(dir, 'state.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const present = async ({ prior }: { prior: unknown }) => ({
  status: 'present' as const,
  attrs: prior as JsonObject,
});

const build: Partial<KindHandler<JsonObject>> = {
  schema: z.strictObject({ host: z.string(), version: z.string() }),
  identity: ['host'],
  outputs: { build_id: 'the id the build printed' },
  create: ({ name, attrs }) => buildOperation(name, attrs),
  update: ({ name, attrs }) => buildOperation(name, attrs),
  read: present,
};

function buildOperation(name: string, attrs: JsonObject): Operation {
  return {
    host: attrs.host as string,
    commands: [{ command: `build ${name} ${attrs.version as string}`, step: 'build' }],
    record: (results) => ({ ...attrs, build_id: results[0]!.stdout.trim() }),
  };
}

const run: Partial<KindHandler<JsonObject>> = {
  schema: z.strictObject({ host: z.string(), command: z.string() }),
  identity: ['host'],
  create: ({ attrs }) => runOperation(attrs),
  update: ({ attrs }) => runOperation(attrs),
  read: present,
};

function runOperation(attrs: JsonObject): Operation {
  return { host: attrs.host as string, commands: [{ command: attrs.command as string, step: 'run' }] };
}

function setup() {
  const registry = new Registry([createFakeProvider('demo', { demo_build: build, demo_run: run })]);
  // A build prints `id-<version>`.
  const transport = createRecordingTransport(({ command }) => {
    const built = /^build \S+ (.*)$/.exec(command);
    return built ? `id-${built[1]}\n` : '';
  });
  const engine = createEngine({
    registry,
    transport,
    state: fileStateBackend(statePath),
    sleep: async () => {},
  });
  return { engine, transport, registry };
}

const at = (line: number) => ({ file: 'main.strat', line, column: 3 });

/** A resource whose `attr` reads `target`'s computed `output`, as the config hands it over. */
function reader(
  kind: string,
  name: string,
  attrs: JsonObject,
  reads: { attr: string; target: string; output: string }[],
) {
  const refs: ResourceRefSite[] = reads.map((r, i) => ({ ...r, location: at(10 + i) }));
  return desiredResource(kind, name, { host: 'h', ...attrs }, { block: at(1), attrs: {}, refs });
}

const image = (version: string) => desiredResource('demo_build', 'app', { host: 'h', version });
const deploy = () =>
  reader('demo_run', 'deploy', { command: `deploy ${afterApplyMarker('demo_build.app', 'build_id')}` }, [
    { attr: 'command', target: 'demo_build.app', output: 'build_id' },
  ]);

const stepOf = (plan: Plan, key: string) => plan.steps.find((s) => `${s.addr.kind}.${s.addr.name}` === key)!;

describe('values known after apply', () => {
  it('plans a reader of a new producer with the marker, and applies it with the real value', async () => {
    const { engine, transport } = setup();
    const plan = await engine.plan([image('1'), deploy()]);
    const planned = stepOf(plan, 'demo_run.deploy');
    expect(planned.action).toBe('create');
    expect(planned.reads).toEqual(['demo_build.app']);
    expect(renderValue((planned.desired as JsonObject).command!)).toBe('"deploy (known after apply)"');

    const result = await engine.apply([image('1'), deploy()]);
    expect(result.outcome?.failure).toBeUndefined();
    expect(transport.commands()).toEqual(['build app 1', 'deploy id-1']);
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    expect(saved.resources['demo_run.deploy'].attrs.command).toBe('deploy id-1');
    // The self-check knows the value from state: nothing left to do.
    expect(result.check?.summary()).toMatchObject({ create: 0, update: 0, noop: 2 });
  });

  it('takes the value from state when the producer has nothing to do', async () => {
    const { engine } = setup();
    await engine.apply([image('1'), deploy()]);
    const plan = await engine.plan([image('1'), deploy()]);
    expect(plan.summary()).toMatchObject({ create: 0, update: 0, noop: 2 });
    expect((stepOf(plan, 'demo_run.deploy').desired as JsonObject).command).toBe('deploy id-1');
  });

  it('plans the reader as an update when the producer changes, and re-runs it with the new value', async () => {
    const { engine, transport } = setup();
    await engine.apply([image('1'), deploy()]);
    transport.clear();
    const plan = await engine.plan([image('2'), deploy()]);
    const planned = stepOf(plan, 'demo_run.deploy');
    expect(planned.action).toBe('update');
    expect(planned.changes.map(renderChange)).toEqual([
      'command: "deploy id-1" -> "deploy (known after apply)"',
    ]);

    const result = await engine.apply([image('2'), deploy()]);
    expect(result.outcome?.failure).toBeUndefined();
    expect(transport.commands()).toEqual(['build app 2', 'deploy id-2']);
  });

  it('settles a chain layer by layer: nothing to do when nothing changed', async () => {
    const { engine, transport } = setup();
    const chain = () => [
      image('1'),
      reader('demo_build', 'web', { version: afterApplyMarker('demo_build.app', 'build_id') }, [
        { attr: 'version', target: 'demo_build.app', output: 'build_id' },
      ]),
      reader('demo_run', 'start', { command: `start ${afterApplyMarker('demo_build.web', 'build_id')}` }, [
        { attr: 'command', target: 'demo_build.web', output: 'build_id' },
      ]),
    ];
    await engine.apply(chain());
    expect(transport.commands()).toEqual(['build app 1', 'build web id-1', 'start id-id-1']);
    const again = await engine.plan(chain());
    expect(again.summary()).toMatchObject({ create: 0, update: 0, noop: 3 });
  });

  it('fails the reader, naming the value, when the producer has nothing to do and state records no value', async () => {
    const { engine } = setup();
    await engine.apply([image('1')]);
    // State written by a stratum that did not record the id yet.
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    delete saved.resources['demo_build.app'].attrs.build_id;
    await import('node:fs/promises').then((fs) => fs.writeFile(statePath, JSON.stringify(saved)));
    const result = await engine.apply([image('1'), deploy()]);
    expect(String(result.outcome?.failure?.error)).toContain(
      'demo_run.deploy: `demo_build.app.build_id` has no value: state records none',
    );
  });
});

describe('validation of values known after apply', () => {
  const registry = () => setup().registry;
  const diagnostics = (resources: DesiredResource[]) =>
    validateDesired(resources, registry()).map((d) => ({
      code: d.code,
      message: d.message,
      line: d.location?.line,
    }));

  it('accepts an output of the producer kind', () => {
    expect(diagnostics([image('1'), deploy()])).toEqual([]);
  });

  it('refuses an attribute that is neither written nor computed, listing what can be read', () => {
    const typo = reader('demo_run', 'deploy', { command: 'x' }, [
      { attr: 'command', target: 'demo_build.app', output: 'build_di' },
    ]);
    const [found, ...rest] = validateDesired([image('1'), typo], registry());
    expect(rest).toEqual([]);
    expect(found).toMatchObject({
      code: 'UnknownResourceAttribute',
      message:
        'demo_run.deploy: resource `demo_build.app` sets no attribute `build_di` (in reference `demo_build.app.build_di`)',
      location: at(10),
    });
    expect(found!.hint).toBe(
      "a reference reads an attribute written in the resource's block (here: `host`, `version`) or one `demo_build` computes at apply: `build_id`; did you mean `build_id`?",
    );
  });

  it('refuses a value known after apply in an identity attribute', () => {
    const moved = reader('demo_run', 'deploy', { command: 'x' }, [
      { attr: 'host', target: 'demo_build.app', output: 'build_id' },
    ]);
    expect(diagnostics([image('1'), moved])).toEqual([
      {
        code: 'KnownAfterApplyInIdentity',
        message:
          'demo_run.deploy: `host` reads `demo_build.app.build_id`, which is known only after apply — but `host` says which thing on the host `demo_run` is, and that must be known when the plan is made',
        line: 10,
      },
    ]);
  });
});

describe('references recorded in state', () => {
  it('keeps what a resource read, so that a later teardown deletes the reader first', async () => {
    const { engine } = setup();
    const base = desiredResource('demo_build', 'z_base', { host: 'h', version: '1' });
    const onTop = reader(
      'demo_build',
      'a_top',
      { version: afterApplyMarker('demo_build.z_base', 'build_id') },
      [{ attr: 'version', target: 'demo_build.z_base', output: 'build_id' }],
    );
    await engine.apply([base, onTop]);
    const saved = JSON.parse(await readFile(statePath, 'utf8'));
    expect(saved.resources['demo_build.a_top'].reads).toEqual(['demo_build.z_base']);
    expect(saved.resources['demo_build.z_base'].reads).toBeUndefined();
    // Both leave the config: reverse address order alone would delete z_base first, under a_top.
    const plan = await engine.plan([]);
    expect(plan.steps.map((s) => `${s.action} ${s.addr.kind}.${s.addr.name}`)).toEqual([
      'delete demo_build.a_top',
      'delete demo_build.z_base',
    ]);
  });
});
