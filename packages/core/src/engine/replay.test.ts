import { describe, expect, it } from 'vitest';
import { createPlan } from '../plan/plan';
import { Registry } from '../registry';
import { inlineMarker } from '../secrets/markers';
import { redactInto } from '../secrets/redact';
import { RedactionMap, sha256Tagged } from '../secrets/redaction-map';
import { createFakeProvider } from '../test/fake-provider';
import { plannedStep } from '../test/plan-builders';
import { createRecordingTransport } from '../test/recording-transport';
import type { JsonObject, State } from '../types';
import { applyPlan } from './apply-plan';

/** A kind whose delete replays a command recorded in state, as ssh_exec's on_destroy does. */
const registry = new Registry([
  createFakeProvider('demo', {
    demo_job: {
      delete: (request) => ({
        host: 'h',
        commands: [{ command: String((request.prior as JsonObject).on_destroy), step: 'on_destroy command' }],
      }),
    },
  }),
]);

const TOKEN = 'tok-3f9a1c-secret-value';

/** The prior as an earlier apply recorded it: the token redacted to an inline marker, as apply records state. */
function recordedPrior(): JsonObject {
  const then = new RedactionMap({ digestCost: 4 });
  then.add('tok', TOKEN);
  return redactInto({ on_destroy: `revoke --token '${TOKEN}'` }, then, { forms: false });
}

async function deleteWith(redaction: RedactionMap, prior = recordedPrior()) {
  expect(JSON.stringify(prior)).not.toContain(TOKEN);
  const transport = createRecordingTransport(() => '');
  const state: State = {
    version: 1,
    resources: { 'demo_job.j': { addr: { kind: 'demo_job', name: 'j' }, provider: 'demo', attrs: prior } },
  };
  const outcome = await applyPlan(createPlan([plannedStep('demo_job', 'j', { action: 'delete', prior })]), {
    registry,
    transport,
    signal: new AbortController().signal,
    redaction,
    state,
    persist: async () => {},
    emit: () => {},
  });
  return { outcome, commands: transport.calls.map((c) => c.command), state };
}

describe('a delete that replays what state recorded', () => {
  it('runs with the value of a secret the config still declares with the recorded value', async () => {
    const now = new RedactionMap({ digestCost: 4 });
    now.add('tok', TOKEN);
    const { outcome, commands } = await deleteWith(now);
    expect(outcome.failure).toBeUndefined();
    expect(commands).toEqual([`revoke --token '${TOKEN}'`]);
  });

  it('runs with the value of a secret recorded by the spec (a sha256 marker)', async () => {
    const now = new RedactionMap({ digestCost: 4 });
    now.add('tok', TOKEN);
    const prior = { on_destroy: `revoke --token '${inlineMarker('tok', sha256Tagged(TOKEN))}'` };
    const { outcome, commands } = await deleteWith(now, prior);
    expect(outcome.failure).toBeUndefined();
    expect(commands).toEqual([`revoke --token '${TOKEN}'`]);
  });

  it.each([
    ['no longer declares', () => new RedactionMap({ digestCost: 4 })],
    [
      'declares with another value',
      () => {
        const m = new RedactionMap({ digestCost: 4 });
        m.add('tok', 'a-rotated-token-value');
        return m;
      },
    ],
  ])('is refused, running nothing, when the config %s the secret', async (_what, make) => {
    const { outcome, commands, state } = await deleteWith(make());
    expect(commands).toEqual([]);
    expect(outcome.failure?.error).toMatchObject({
      code: 'UnresolvedSecretMarker',
      message:
        'demo_job.j: on_destroy command would run with secret `tok` as recorded in state, but this config does not declare that secret with that value',
    });
    // Nothing ran, so state still tracks the resource.
    expect(state.resources).toHaveProperty(['demo_job.j']);
  });
});

describe('what apply records, a later delete replays exactly', () => {
  it('records the plaintext as a marker (not its quoted form), and reveals it back byte for byte', async () => {
    const redaction = new RedactionMap({ digestCost: 4 });
    redaction.add('tok', TOKEN);
    const command = `revoke --token '${TOKEN}' && echo "${TOKEN}"`;
    const state: State = { version: 1, resources: {} };
    const run = (plan: ReturnType<typeof createPlan>, transport = createRecordingTransport(() => '')) =>
      applyPlan(plan, {
        registry,
        transport,
        signal: new AbortController().signal,
        redaction,
        state,
        persist: async () => {},
        emit: () => {},
      }).then(() => transport);
    await run(
      createPlan([plannedStep('demo_job', 'j', { action: 'create', desired: { on_destroy: command } })]),
    );
    const recorded = state.resources['demo_job.j']!.attrs as JsonObject;
    expect(JSON.stringify(recorded)).not.toContain(TOKEN);
    const transport = await run(
      createPlan([plannedStep('demo_job', 'j', { action: 'delete', prior: recorded })]),
    );
    expect(transport.calls.map((c) => c.command)).toEqual([command]);
  });
});
