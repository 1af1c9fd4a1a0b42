import { describe, expect, it } from 'vitest';
import type { Operation } from '../operation';
import { buildPlan } from '../plan/build-plan';
import { planTriggers } from '../plan/triggers';
import type { KindHandler } from '../provider';
import { Registry } from '../registry';
import { createFakeProvider } from '../test/fake-provider';
import { createRecordingTransport } from '../test/recording-transport';
import { desiredResource, resourceState, stateWith } from '../test/state-builders';
import type { DesiredResource, JsonObject, Plan, State } from '../types';
import { applyPlan } from './apply-plan';

const HOST = 'root@h';

/** A file whose create/update run `write <name>`; a service whose trigger runs `restart <name>`. */
function registry(options: { rerunOnUpdate?: boolean } = {}): Registry {
  const op =
    (verb: string) =>
    ({ name }: { name: string }): Operation => ({
      host: HOST,
      commands: [{ command: `${verb} ${name}`, step: `${verb} ${name}` }],
    });
  const service: Partial<KindHandler<JsonObject>> = {
    create: op('start'),
    update: op('reconfigure'),
    trigger: {
      verb: (raw) => (raw.on_trigger === 'reload' ? 'reload' : 'restart'),
      operation: ({ name, raw, alongside }) =>
        alongside === 'update' && options.rerunOnUpdate === false
          ? undefined
          : op(raw.on_trigger === 'reload' ? 'reload' : 'restart')({ name }),
    },
  };
  const provider = createFakeProvider('demo', {
    demo_file: { create: op('write'), update: op('write') },
    demo_svc: service,
    demo_plain: {},
  });
  return new Registry([provider]);
}

const file = (content: string) => desiredResource('demo_file', 'conf', { host: HOST, content });
const svc = (extra: JsonObject = {}) =>
  desiredResource('demo_svc', 'web', { host: HOST, triggered_by: ['demo_file.conf'], ...extra });

/** The state after both were applied once with content `a`. */
function applied(): State {
  return stateWith(
    resourceState('demo_file', 'conf', { host: HOST, content: 'a' }),
    resourceState('demo_svc', 'web', { host: HOST }),
  );
}

function plan(desired: DesiredResource[], state: State, reg = registry()): Plan {
  return planTriggers(buildPlan(desired, state, { registry: reg }), state, reg);
}

async function apply(
  planned: Plan,
  state: State,
  reg: Registry,
  respond: (command: string) => { exitCode: number } | string = () => '',
  signal = new AbortController().signal,
) {
  const transport = createRecordingTransport((call) => respond(call.command));
  const persisted: { key: string; pending: string[] | undefined }[] = [];
  const outcome = await applyPlan(planned, {
    registry: reg,
    transport,
    signal,
    state,
    persist: async (working, key) => {
      persisted.push({ key, pending: working.resources[key]?.pending_trigger });
    },
    emit: () => {},
    sleep: async () => {},
  });
  return { outcome, commands: transport.commands(), persisted };
}

describe('triggers', () => {
  it('plans a re-run of a resource whose trigger changes, as an update with no changes', () => {
    const planned = plan([file('b'), svc()], applied());
    const web = planned.steps.find((s) => s.addr.kind === 'demo_svc')!;
    expect(web.action).toBe('update');
    expect(web.changes).toEqual([]);
    expect(web.trigger).toEqual({ verb: 'restart', by: ['demo_file.conf'], pending: [] });
    expect(planned.summary().update).toBe(2);
  });

  it('plans nothing when the trigger does not change, and takes the verb from the kind', () => {
    expect(plan([file('a'), svc()], applied()).steps.map((s) => s.action)).toEqual(['noop', 'noop']);
    expect(plan([file('b'), svc({ on_trigger: 'reload' })], applied()).steps[1]!.trigger?.verb).toBe(
      'reload',
    );
  });

  it('adding or dropping a triggered_by edge is no change by itself', () => {
    const state = applied();
    const noEdge = desiredResource('demo_svc', 'web', { host: HOST });
    expect(plan([file('a'), noEdge], state).steps.map((s) => s.action)).toEqual(['noop', 'noop']);
  });

  it('a created resource gets no re-run: creating it does the work', () => {
    const state = stateWith(resourceState('demo_file', 'conf', { host: HOST, content: 'a' }));
    const planned = plan([file('b'), svc()], state);
    expect(planned.steps[1]!.action).toBe('create');
    expect(planned.steps[1]!.trigger).toBeUndefined();
  });

  it('orders a resource after its triggers, wherever it was declared', () => {
    const planned = plan([svc(), file('b')], applied());
    expect(planned.steps.map((s) => s.addr.kind)).toEqual(['demo_file', 'demo_svc']);
  });

  it('a re-run counts as a change for what it triggers in turn', () => {
    const state = stateWith(
      ...Object.values(applied().resources),
      resourceState('demo_svc', 'worker', { host: HOST }),
    );
    const worker = desiredResource('demo_svc', 'worker', { host: HOST, triggered_by: ['demo_svc.web'] });
    const planned = plan([file('b'), svc(), worker], state);
    expect(planned.steps[2]!.trigger).toEqual({ verb: 'restart', by: ['demo_svc.web'], pending: [] });
  });

  it('the redacted view keeps a re-run-only step an update with its reason', () => {
    const json = JSON.parse(JSON.stringify(plan([file('b'), svc()], applied())));
    expect(json.steps[1].action).toBe('update');
    expect(json.steps[1].trigger).toEqual({ verb: 'restart', by: ['demo_file.conf'], pending: [] });
  });

  it('applies the change, then the re-run once, recording the debt in between', async () => {
    const state = applied();
    const reg = registry();
    const { outcome, commands, persisted } = await apply(plan([file('b'), svc()], state, reg), state, reg);
    expect(outcome.failure).toBeUndefined();
    expect(commands).toEqual(['write conf', 'restart web']);
    expect(persisted).toEqual([
      { key: 'demo_file.conf', pending: undefined },
      { key: 'demo_svc.web', pending: ['demo_file.conf'] },
      { key: 'demo_svc.web', pending: undefined },
    ]);
    expect(state.resources['demo_svc.web']).toEqual(resourceState('demo_svc', 'web', { host: HOST }));
    expect(plan([file('b'), svc()], state, reg).summary().update).toBe(0);
  });

  it('an update re-runs after its own work unless the kind says its update already did', async () => {
    const reg = registry();
    const state = applied();
    const changed = plan([file('b'), svc({ port: 1 })], state, reg);
    expect((await apply(changed, state, reg)).commands).toEqual([
      'write conf',
      'reconfigure web',
      'restart web',
    ]);
    const lean = registry({ rerunOnUpdate: false });
    const again = applied();
    const { commands } = await apply(plan([file('b'), svc({ port: 1 })], again, lean), again, lean);
    expect(commands).toEqual(['write conf', 'reconfigure web']);
    expect(again.resources['demo_svc.web']!.pending_trigger).toBeUndefined();
  });

  it('a failed re-run stays owed: the next plan shows it pending and the next apply runs it once', async () => {
    const reg = registry();
    const state = applied();
    const first = await apply(plan([file('b'), svc()], state, reg), state, reg, (command) =>
      command === 'restart web' ? { exitCode: 1 } : '',
    );
    expect(first.outcome.failure?.step.addr.name).toBe('web');
    expect(state.resources['demo_svc.web']!.pending_trigger).toEqual(['demo_file.conf']);

    const next = plan([file('b'), svc()], state, reg);
    expect(next.steps.map((s) => s.action)).toEqual(['noop', 'update']);
    expect(next.steps[1]!.trigger).toEqual({ verb: 'restart', by: [], pending: ['demo_file.conf'] });
    const second = await apply(next, state, reg);
    expect(second.commands).toEqual(['restart web']);
    expect(state.resources['demo_svc.web']!.pending_trigger).toBeUndefined();
    expect(plan([file('b'), svc()], state, reg).summary().update).toBe(0);
  });

  it('an apply interrupted right after the change leaves the re-run owed', async () => {
    const reg = registry();
    const state = applied();
    const stop = new AbortController();
    const first = await apply(
      plan([file('b'), svc()], state, reg),
      state,
      reg,
      (command) => {
        if (command === 'write conf') stop.abort(new Error('interrupted'));
        return '';
      },
      stop.signal,
    );
    expect(first.commands).toEqual(['write conf']);
    expect(state.resources['demo_svc.web']!.pending_trigger).toEqual(['demo_file.conf']);
    const second = await apply(plan([file('b'), svc()], state, reg), state, reg);
    expect(second.commands).toEqual(['restart web']);
  });

  it('a resource that is deleted owes nothing, and a kind without a trigger is left alone', () => {
    const state = stateWith(
      ...Object.values(applied().resources),
      resourceState('demo_plain', 'p', { host: HOST }),
    );
    const plain = desiredResource('demo_plain', 'p', { host: HOST, triggered_by: ['demo_file.conf'] });
    const planned = plan([file('b'), plain], state);
    expect(planned.steps.find((s) => s.addr.kind === 'demo_plain')!.action).toBe('noop');
    expect(planned.steps.find((s) => s.addr.kind === 'demo_svc')!.action).toBe('delete');
  });
});
