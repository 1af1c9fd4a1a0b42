import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { OnceMemo } from '../engine/run-operation';
import type { KindHandler } from '../provider';
import type { JsonObject } from '../types';
import { createRecordingTransport, respondByCommand } from './recording-transport';
import { runStep } from './run-step';
import { createTestContext } from './test-context';

const handler: KindHandler<JsonObject> = {
  schema: z.record(z.string(), z.json()),
  create: ({ name, attrs, raw }) => ({
    host: attrs.host as string,
    commands: [
      { command: 'apt-get update', step: 'apt-get update', once: 'apt' },
      { command: `install ${name}`, step: `install ${name}` },
      { command: 'cleanup', step: 'cleanup', onFailure: 'warn' },
    ],
    trace: [`[demo] INSTALL ${name}`],
    record: (results) => ({ ...raw, updated: results[0] !== undefined }),
  }),
  update: ({ name, attrs, prior }) => ({
    host: attrs.host as string,
    commands: [{ command: `upgrade ${name} from ${JSON.stringify(prior)}`, step: 'upgrade' }],
  }),
  delete: ({ name, prior }) => ({
    host: (prior as JsonObject).host as string,
    commands: [{ command: `remove ${name}`, step: 'remove' }],
    record: () => ({ never: 'used' }),
  }),
};

describe('runStep', () => {
  it('runs a create like the engine: commands, record, trace lines and warnings to the context', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['cleanup', { exitCode: 1, stderr: 'nothing to clean' }],
        ['', ''],
      ]),
    );
    const ctx = createTestContext(transport);
    const once = new OnceMemo();
    const first = await runStep(
      handler,
      { action: 'create', kind: 'demo_pkg', name: 'nginx', attrs: { host: 'h' } },
      ctx,
      {
        once,
      },
    );
    expect(first.operation.host).toBe('h');
    expect(first.recorded).toEqual({ host: 'h', updated: true });
    expect(ctx.traces()).toEqual(['[demo] INSTALL nginx']);
    expect(ctx.warnings()).toEqual([
      'demo_pkg.nginx: cleanup on h failed (exit 1); ignored: nothing to clean',
    ]);
    const second = await runStep(
      handler,
      {
        action: 'create',
        kind: 'demo_pkg',
        name: 'curl',
        attrs: { host: 'h' },
        raw: { host: 'h', raw: true },
      },
      ctx,
      { once },
    );
    expect(second.results[0]).toBeUndefined();
    expect(second.recorded).toEqual({ host: 'h', raw: true, updated: false });
    expect(transport.commands()).toEqual([
      'apt-get update',
      'install nginx',
      'cleanup',
      'install curl',
      'cleanup',
    ]);
  });

  it('runs updates and deletes; a delete records nothing', async () => {
    const transport = createRecordingTransport(() => '');
    const ctx = createTestContext(transport);
    await runStep(
      handler,
      { action: 'update', kind: 'demo_pkg', name: 'a', attrs: { host: 'h' }, prior: { v: 1 } },
      ctx,
    );
    const removed = await runStep(
      handler,
      { action: 'delete', kind: 'demo_pkg', name: 'a', prior: { host: 'h2' } },
      ctx,
    );
    expect(removed.recorded).toBeUndefined();
    expect(transport.calls.map((c) => `${c.host}:${c.command}`)).toEqual([
      'h:upgrade a from {"v":1}',
      'h2:remove a',
    ]);
  });

  it('rejects with the step’s error', async () => {
    const ctx = createTestContext(createRecordingTransport(() => ({ exitCode: 2, stderr: 'E: broken' })));
    await expect(
      runStep(handler, { action: 'delete', kind: 'demo_pkg', name: 'a', prior: { host: 'h' } }, ctx),
    ).rejects.toThrow('demo_pkg.a: remove failed on h (exit 2):\nE: broken');
  });
});
