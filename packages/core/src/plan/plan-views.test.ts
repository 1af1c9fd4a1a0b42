import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KindHandler, Provider } from '../provider';
import { Registry } from '../registry';
import { sha256Hex } from '../secrets/redaction-map';
import { createFakeProvider } from '../test/fake-provider';
import type { DesiredResource, JsonObject } from '../types';
import { buildPlan } from './build-plan';
import { digestedAttrs, planViews } from './plan-views';

const handler = (planView?: KindHandler['planView'], digests?: KindHandler['digests']): KindHandler => ({
  schema: z.record(z.string(), z.any()) as never,
  create: () => ({ host: 'h', commands: [] }),
  update: () => ({ host: 'h', commands: [] }),
  delete: () => ({ host: 'h', commands: [] }),
  ...(planView ? { planView } : {}),
  ...(digests ? { digests } : {}),
});

const seenByPlanView: JsonObject[] = [];

const provider: Provider = {
  name: 'demo',
  kinds: {
    demo_digest: handler((attrs) => ({
      host: attrs.host ?? null,
      digest: `len:${String(attrs.body).length}`,
    })),
    demo_plain: handler(),
    demo_hashed: handler(undefined, { content: 'sha256' }),
    demo_both: handler(
      (attrs, request) => {
        seenByPlanView.push(attrs);
        return { ...attrs, viewed: `${request.kind}.${request.name}` };
      },
      { content: 'sha256' },
    ),
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

  it('applies the digests, then the kind’s planView on the digested attrs', async () => {
    seenByPlanView.length = 0;
    const views = await planViews(
      [
        desired('demo_hashed', 'a', { host: 'h', content: 'hello' }),
        desired('demo_both', 'b', { host: 'h', content: 'bye' }),
      ],
      new Registry([provider]),
    );
    expect(views.get('demo_hashed.a')).toEqual({ host: 'h', sha256: sha256Hex('hello') });
    expect(seenByPlanView).toEqual([{ host: 'h', sha256: sha256Hex('bye') }]);
    expect(views.get('demo_both.b')).toEqual({ host: 'h', sha256: sha256Hex('bye'), viewed: 'demo_both.b' });
  });

  it('awaits an async planView', async () => {
    const registry = new Registry([
      createFakeProvider('demo', {
        demo_async: { planView: async (attrs) => ({ ...attrs, manifest: 'm1' }) },
      }),
    ]);
    const views = await planViews([desired('demo_async', 'a', { dir: '/x' })], registry);
    expect(views.get('demo_async.a')).toEqual({ dir: '/x', manifest: 'm1' });
  });
});

describe('digestedAttrs', () => {
  const hashed = provider.kinds.demo_hashed as KindHandler<unknown>;

  it('replaces each digested attribute by its field, without mutating the input', () => {
    const attrs = Object.freeze({ host: 'h', content: 'hello' });
    const out = digestedAttrs(hashed, attrs);
    expect(out).toEqual({ host: 'h', sha256: sha256Hex('hello') });
    expect(attrs).toEqual({ host: 'h', content: 'hello' });
  });

  it('returns the attrs themselves when there is nothing to digest', () => {
    const absent = { host: 'h' };
    expect(digestedAttrs(hashed, absent)).toBe(absent);
    const notString = { host: 'h', content: 42 };
    expect(digestedAttrs(hashed, notString)).toBe(notString);
    const plain = { content: 'x' };
    expect(digestedAttrs(provider.kinds.demo_plain as KindHandler<unknown>, plain)).toBe(plain);
  });

  it('digests the UTF-8 bytes', () => {
    expect(digestedAttrs(hashed, { content: 'é' }).sha256).toBe(
      sha256Hex(new Uint8Array(Buffer.from('é', 'utf8'))),
    );
  });
});
