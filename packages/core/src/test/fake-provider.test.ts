import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Operation } from '../operation';
import { createFakeProvider, createFakeRegistry } from './fake-provider';
import { createRecordingTransport } from './recording-transport';
import { runStep } from './run-step';
import { createTestContext } from './test-context';

describe('createFakeProvider / createFakeRegistry', () => {
  it('builds operations that run nothing and record the attrs; a call is recorded when the step completes', async () => {
    const fake = createFakeProvider('demo', ['demo_thing']);
    const ctx = createTestContext();
    const handler = fake.kinds.demo_thing!;

    const create = await handler.create({ kind: 'demo_thing', name: 'a', attrs: { x: 1 }, raw: { x: 1 } });
    expect(create.host).toBe('fake-host');
    expect(create.commands).toEqual([]);
    // Building the operation records nothing: the engine builds every step before running any.
    expect(fake.calls).toEqual([]);
    expect(create.record?.([])).toEqual({ x: 1 });
    expect(fake.calls).toEqual([{ op: 'create', kind: 'demo_thing', name: 'a', attrs: { x: 1 } }]);

    const update = await handler.update({
      kind: 'demo_thing',
      name: 'a',
      attrs: { host: 'h1', x: 2 },
      raw: { host: 'h1', x: 2 },
      prior: { x: 1 },
    });
    expect(update.host).toBe('h1');
    expect(update.record?.([])).toEqual({ host: 'h1', x: 2 });

    const remove = await handler.delete({ kind: 'demo_thing', name: 'a', prior: { host: 'h2', x: 2 } });
    expect(remove.host).toBe('h2');
    remove.record?.([]);

    await fake.configure?.({ token: 'x' }, ctx);
    expect(fake.calls).toEqual([
      { op: 'create', kind: 'demo_thing', name: 'a', attrs: { x: 1 } },
      { op: 'update', kind: 'demo_thing', name: 'a', attrs: { host: 'h1', x: 2 }, prior: { x: 1 } },
      { op: 'delete', kind: 'demo_thing', name: 'a', prior: { host: 'h2', x: 2 } },
      { op: 'configure', kind: '', name: 'demo', attrs: { token: 'x' } },
    ]);
    expect(handler.probe).toBeUndefined();
    expect(handler.read).toBeUndefined();
    expect(handler.schema.safeParse({ anything: [1, { a: null }] }).success).toBe(true);
  });

  it('uses overrides, keeps their own record, and still records the call after it', async () => {
    const order: string[] = [];
    const fake = createFakeProvider('demo', {
      demo_thing: {
        schema: z.strictObject({ host: z.string() }),
        create: async (): Promise<Operation> => ({
          host: 'h',
          commands: [{ command: 'make-it', step: 'make it' }],
          record: (results) => {
            order.push(`record:${fake.calls.length}`);
            return { id: results[0]?.stdout.trim() ?? '' };
          },
        }),
      },
    });
    const operation = await fake.kinds.demo_thing!.create({
      kind: 'demo_thing',
      name: 'a',
      attrs: { host: 'h' },
      raw: { host: 'h' },
    });
    expect(operation.host).toBe('h');
    expect(operation.commands).toEqual([{ command: 'make-it', step: 'make it' }]);
    expect(fake.calls).toHaveLength(0);
    expect(operation.record?.([{ exitCode: 0, stdout: 'new\n', stderr: '' }])).toEqual({ id: 'new' });
    // The override's record ran first, then the call was recorded.
    expect(order).toEqual(['record:0']);
    expect(fake.calls).toEqual([{ op: 'create', kind: 'demo_thing', name: 'a', attrs: { host: 'h' } }]);
    expect(fake.kinds.demo_thing!.schema.safeParse({ host: 'h', extra: 1 }).success).toBe(false);
  });

  it('records nothing for a step whose command fails (runStep)', async () => {
    const fake = createFakeProvider('demo', {
      demo_thing: {
        create: () => ({ host: 'h', commands: [{ command: 'fail-it', step: 'fail it' }] }),
      },
    });
    const ctx = createTestContext(createRecordingTransport(() => ({ exitCode: 1, stderr: 'nope' })));
    await expect(
      runStep(fake.kinds.demo_thing!, { action: 'create', kind: 'demo_thing', name: 'a', attrs: {} }, ctx),
    ).rejects.toThrow('demo_thing.a: fail it failed on h (exit 1):\nnope');
    expect(fake.calls).toEqual([]);

    const ok = createTestContext(createRecordingTransport(() => ''));
    const run = await runStep(
      fake.kinds.demo_thing!,
      { action: 'create', kind: 'demo_thing', name: 'a', attrs: { v: 1 } },
      ok,
    );
    expect(run.recorded).toEqual({ v: 1 });
    expect(fake.calls.map((c) => c.op)).toEqual(['create']);
  });

  it('builds a registry grouped by kind prefix', () => {
    const registry = createFakeRegistry(['demo_container', 'other_file', 'demo_network']);
    expect(registry.providers().map((p) => p.name)).toEqual(['demo', 'other']);
    expect(registry.kinds()).toEqual(['demo_container', 'demo_network', 'other_file']);
  });
});
