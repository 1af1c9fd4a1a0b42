import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KindHandler, Provider } from '../provider';
import { Registry } from '../registry';
import type { DesiredResource } from '../types';
import { buildPlan } from './build-plan';
import { planViews } from './plan-views';

const handler = (planView?: KindHandler['planView']): KindHandler => ({
  schema: z.record(z.string(), z.any()) as never,
  create: async () => ({}),
  update: async () => ({}),
  delete: async () => {},
  ...(planView ? { planView } : {}),
});

const provider: Provider = {
  name: 'demo',
  kinds: {
    demo_digest: handler((attrs) => ({
      host: attrs.host ?? null,
      digest: `len:${String(attrs.body).length}`,
    })),
    demo_plain: handler(),
  },
};

const desired = (kind: string, name: string, attrs: DesiredResource['attrs']): DesiredResource => ({
  addr: { kind, name },
  provider: 'demo',
  attrs,
});

describe('planViews + buildPlan({ views })', () => {
  it('diffs the kind’s plan view instead of the desired attrs, and keeps desired for apply', async () => {
    const resources = [
      desired('demo_digest', 'a', { host: 'h', body: 'hello' }),
      desired('demo_plain', 'b', { x: 1 }),
    ];
    const views = await planViews(resources, new Registry([provider]));
    expect([...views.keys()]).toEqual(['demo_digest.a']);
    const state = {
      version: 1,
      resources: {
        'demo_digest.a': {
          addr: { kind: 'demo_digest', name: 'a' },
          provider: 'demo',
          attrs: { host: 'h', digest: 'len:5' },
        },
        'demo_plain.b': { addr: { kind: 'demo_plain', name: 'b' }, provider: 'demo', attrs: { x: 1 } },
      },
    };
    const plan = buildPlan(resources, state, { views });
    expect(plan.steps.map((s) => s.action)).toEqual(['noop', 'noop']);
    expect(plan.steps[0]?.desired).toEqual({ host: 'h', body: 'hello' });

    const changed = [desired('demo_digest', 'a', { host: 'h', body: 'hello!' }), resources[1]!];
    const next = buildPlan(changed, state, { views: await planViews(changed, new Registry([provider])) });
    expect(next.steps[0]?.action).toBe('update');
    expect(next.steps[0]?.changes).toEqual([{ field: 'digest', from: 'len:5', to: 'len:6' }]);
  });

  it('leaves out kinds no provider has (validation reports those)', async () => {
    expect((await planViews([desired('ghost_thing', 'x', {})], new Registry([provider]))).size).toBe(0);
  });
});
