import { describe, expect, it } from 'vitest';
import { createFakeProvider, createFakeRegistry } from './fake-provider';
import { createTestContext } from './test-context';

describe('createFakeProvider / createFakeRegistry', () => {
  it('records calls and returns the attrs by default', async () => {
    const fake = createFakeProvider('demo', ['demo_thing']);
    const ctx = createTestContext();
    const handler = fake.kinds.demo_thing!;
    expect(
      await handler.create({ kind: 'demo_thing', name: 'a', attrs: { x: 1 }, raw: { x: 1 } }, ctx),
    ).toEqual({ x: 1 });
    await handler.update(
      { kind: 'demo_thing', name: 'a', attrs: { x: 2 }, raw: { x: 2 }, prior: { x: 1 } },
      ctx,
    );
    await handler.delete({ kind: 'demo_thing', name: 'a', prior: { x: 2 } }, ctx);
    await fake.configure?.({ token: 'x' }, ctx);
    expect(fake.calls.map((c) => c.op)).toEqual(['create', 'update', 'delete', 'configure']);
    expect(handler.probe).toBeUndefined();
    expect(handler.read).toBeUndefined();
    expect(handler.schema.safeParse({ anything: [1, { a: null }] }).success).toBe(true);
  });

  it('uses overrides and still records', async () => {
    const fake = createFakeProvider('demo', { demo_thing: { create: async () => ({ id: 'new' }) } });
    const ctx = createTestContext();
    expect(
      await fake.kinds.demo_thing!.create({ kind: 'demo_thing', name: 'a', attrs: {}, raw: {} }, ctx),
    ).toEqual({
      id: 'new',
    });
    expect(fake.calls).toHaveLength(1);
  });

  it('builds a registry grouped by kind prefix', () => {
    const registry = createFakeRegistry(['docker_container', 'system_file', 'docker_network']);
    expect(registry.providers().map((p) => p.name)).toEqual(['docker', 'system']);
    expect(registry.kinds()).toEqual(['docker_container', 'docker_network', 'system_file']);
  });
});
