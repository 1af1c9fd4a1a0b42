import { describe, expect, it } from 'vitest';
import { priorHost } from './kit/prior';
import { createPlan } from './plan/plan';
import { refreshPlan } from './refresh';
import { Registry } from './registry';
import { createFakeProvider } from './test/fake-provider';
import { plannedStep } from './test/plan-builders';
import { createRecordingTransport } from './test/recording-transport';
import { createTestContext } from './test/test-context';

const registry = new Registry([
  createFakeProvider('demo', {
    demo_probed: {
      probe: (request) => ({
        host: priorHost(request),
        script: 'cat thing',
        parse: () => ({ status: 'present', attrs: {} }),
      }),
    },
    demo_blind: {
      read: async () => ({ status: 'unknown', reason: 'this kind cannot be read' }),
    },
    demo_reader: {
      read: async (request, ctx) => {
        await ctx.transport.exec(priorHost(request), 'read it');
        return { status: 'present', attrs: {} };
      },
    },
  }),
]);

describe('a refresh that cannot reach a host', () => {
  it('marks the resources of that host unreachable, and only those', async () => {
    const transport = createRecordingTransport((call) => {
      if (call.host === 'down') throw new Error('connect ECONNREFUSED 127.0.0.1:2');
      return '';
    });
    const plan = createPlan([
      plannedStep('demo_probed', 'a', { prior: { host: 'down' } }),
      plannedStep('demo_probed', 'b', { prior: { host: 'up' } }),
      plannedStep('demo_blind', 'c', { prior: { host: 'up' } }),
      plannedStep('demo_reader', 'd', { prior: { host: 'down' } }),
    ]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(refreshed.steps.map((s) => s.drift?.unreachable ?? false)).toEqual([true, false, false, true]);
    expect(refreshed.steps[0]!.drift?.unreadable).toBe('read failed: connect ECONNREFUSED 127.0.0.1:2');
    // A kind that says it cannot tell is unreadable, not unreachable.
    expect(refreshed.steps[2]!.drift?.unreadable).toBe('this kind cannot be read');
    expect(refreshed.summary()).toMatchObject({ unreadable: 3, unreachable: 2 });
  });
});
