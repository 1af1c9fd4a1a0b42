import { describe, expect, it } from 'vitest';
import { priorHost } from './kit/prior';
import { createPlan } from './plan/plan';
import type { KindHandler, Probe, VectorReader } from './provider';
import { refreshPlan } from './refresh';
import { Registry } from './registry';
import { createFakeProvider } from './test/fake-provider';
import { createRecordingTransport, respondByCommand } from './test/recording-transport';
import { createTestContext } from './test/test-context';
import type { JsonObject, Observed, PlannedResource } from './types';

/**
 * Vector reads: probes of one host sharing a reader are one snippet; what the
 * reader cannot answer is read again by each probe's own script.
 */

/** `vec a b c` prints `a=<value>` lines; a name it prints nothing for is left to the probe's own script. */
const reader: VectorReader = {
  id: 'test:vec',
  script: (args) => `vec ${args.join(' ')}`,
  split(output, exitCode, args) {
    if (exitCode !== 0) return args.map(() => undefined);
    const seen = new Map(
      output
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('=') as [string, string]),
    );
    return args.map((arg) => (seen.has(arg) ? { output: `${seen.get(arg)}\n`, exitCode: 0 } : undefined));
  },
};

const brokenReader: VectorReader = {
  id: 'test:broken',
  script: () => {
    throw new Error('cannot build');
  },
  split: () => [],
};

function probedBy(vector: VectorReader): Partial<KindHandler<JsonObject>> {
  return {
    probe: (request): Probe => ({
      host: priorHost(request),
      script: `one ${request.name}`,
      parse: (output, exitCode): Observed =>
        exitCode === 0
          ? { status: 'present', attrs: { value: output.trim() } }
          : { status: 'unknown', reason: `exit ${exitCode}` },
      vector: { reader: vector, arg: request.name },
    }),
  };
}

const registry = new Registry([
  createFakeProvider('demo', {
    demo_vec: probedBy(reader),
    demo_vec_too: probedBy(reader),
    demo_broken: probedBy(brokenReader),
  }),
]);

function step(kind: string, name: string, host = 'h'): PlannedResource {
  return {
    addr: { kind, name },
    provider: 'demo',
    action: 'update',
    prior: { host, value: 'old' },
    desired: { host, value: 'old' },
    changes: [],
  };
}

function observedValues(plan: Awaited<ReturnType<typeof refreshPlan>>): Record<string, unknown> {
  return Object.fromEntries(
    plan.steps.map((s) => [
      s.addr.name,
      (s.drift?.observed as JsonObject | undefined)?.value ?? s.drift?.unreadable ?? null,
    ]),
  );
}

/** Answers `vec a b` with `a=<value of a>` lines. */
function vecAnswer(value: (name: string) => string) {
  return (call: { command: string }) =>
    call.command
      .slice(4)
      .split(' ')
      .map((n) => `${n}=${value(n)}`)
      .join('\n');
}

describe('vector reads in refreshPlan', () => {
  it('reads every probe sharing a reader, across kinds, with one snippet', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^vec /, vecAnswer((n) => `v-${n}`)]]));
    const plan = createPlan([step('demo_vec', 'a'), step('demo_vec_too', 'b'), step('demo_vec', 'c')]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(transport.calls).toHaveLength(1);
    expect(transport.calls[0]!.probes).toEqual(['vec a b c']);
    expect(observedValues(refreshed)).toEqual({ a: 'v-a', b: 'v-b', c: 'v-c' });
  });

  it('reads what the reader could not answer with the probes’ own scripts, in one more round trip', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [/^vec /, 'a=v-a\n'],
        [/^one /, (call) => `own-${call.command.slice(4)}\n`],
      ]),
    );
    const plan = createPlan([step('demo_vec', 'a'), step('demo_vec', 'b'), step('demo_vec', 'c')]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(transport.calls.map((call) => call.probes)).toEqual([['vec a b c'], ['one b', 'one c']]);
    expect(observedValues(refreshed)).toEqual({ a: 'v-a', b: 'own-b', c: 'own-c' });
  });

  it('keeps hosts apart, and a vector of one is just that probe', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [/^vec /, vecAnswer(() => 'v')],
        [/^one /, 'alone\n'],
      ]),
    );
    const plan = createPlan([
      step('demo_vec', 'a', 'h1'),
      step('demo_vec', 'b', 'h1'),
      step('demo_vec', 'c', 'h2'),
    ]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    const byHost = Object.fromEntries(transport.calls.map((call) => [call.host, call.probes]));
    expect(byHost).toEqual({ h1: ['vec a b'], h2: ['one c'] });
    expect(observedValues(refreshed)).toEqual({ a: 'v', b: 'v', c: 'alone' });
  });

  it('a reader that cannot build its script leaves every probe to its own script', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^one /, 'own\n']]));
    const plan = createPlan([step('demo_broken', 'a'), step('demo_broken', 'b')]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(transport.calls.map((call) => call.probes)).toEqual([['one a', 'one b']]);
    expect(observedValues(refreshed)).toEqual({ a: 'own', b: 'own' });
  });

  it('a failed vector read falls back too, and the fallback’s failure is each resource’s own', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [/^vec /, { exitCode: 2, stdout: 'nope' }],
        [/^one /, { exitCode: 1, stdout: '' }],
      ]),
    );
    const plan = createPlan([step('demo_vec', 'a'), step('demo_vec', 'b')]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(transport.calls).toHaveLength(2);
    expect(observedValues(refreshed)).toEqual({ a: 'exit 1', b: 'exit 1' });
  });
});
