import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPlan, Registry, refreshPlan, validateDesired } from '../../index';
import {
  createLocalShellTransport,
  createRecordingTransport,
  createTestContext,
  desiredResource,
  plannedStep,
  respondByCommand,
} from '../index';
import { motdProvider } from './motd-provider';

const registry = new Registry([motdProvider]);
const handler = motdProvider.kinds.motd_banner!;

describe('motd_banner', () => {
  it('catches a misspelt attribute before any host is touched', () => {
    const resource = desiredResource('motd_banner', 'welcome', { host: 'root@web1', txt: 'Hi' });
    expect(validateDesired([resource], registry).map((d) => d.message)).toEqual([
      'motd_banner.welcome: missing required attribute `text`',
      'motd_banner.welcome: unknown attribute `txt` (did you mean `text`?)',
    ]);
  });

  it('writes the text through stdin and returns the attrs to record', async () => {
    const transport = createRecordingTransport(respondByCommand([['cat > /etc/motd', '']]));
    const ctx = createTestContext(transport);
    const attrs = handler.schema.parse({ host: 'root@web1', text: "It's Monday\n" });

    const recorded = await handler.create({ kind: 'motd_banner', name: 'welcome', attrs, raw: attrs }, ctx);

    expect(recorded).toEqual({ host: 'root@web1', path: '/etc/motd', text: "It's Monday\n" });
    expect(transport.calls).toEqual([
      { host: 'root@web1', command: 'cat > /etc/motd', stdin: "It's Monday\n", options: {} },
    ]);
    expect(ctx.traces()).toEqual(['[motd] WRITE /etc/motd on root@web1']);
  });

  it('reads all banners of a host in one round trip and reports drift', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['if [ -f /etc/motd ]', 'Edited by hand\n'],
        ['if [ -f /etc/issue ]', { exitCode: 3 }],
      ]),
    );
    const prior = (path: string) => ({ host: 'root@web1', path, text: 'Hello\n' });
    const plan = createPlan([
      plannedStep('motd_banner', 'motd', { prior: prior('/etc/motd') }),
      plannedStep('motd_banner', 'issue', { prior: prior('/etc/issue') }),
    ]);

    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));

    expect(transport.calls).toHaveLength(1); // both probes, one command
    expect(refreshed.steps.map((step) => step.drift)).toMatchObject([
      { changes: [{ field: 'text', from: 'Hello\n', to: 'Edited by hand\n' }], missing: false },
      { changes: [], missing: true },
    ]);
    expect(refreshed.summary()).toMatchObject({ drifted: 1, missing: 1 });
  });

  it('has a probe that a real shell agrees with', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'motd-'));
    try {
      const path = join(dir, "it's a motd");
      await writeFile(path, 'no trailing newline');
      const prior = (file: string) => ({ host: 'localhost', path: file, text: 'no trailing newline' });
      const plan = createPlan([
        plannedStep('motd_banner', 'present', { prior: prior(path) }),
        plannedStep('motd_banner', 'absent', { prior: prior(join(dir, 'missing')) }),
      ]);

      const ctx = createTestContext(createLocalShellTransport());
      const refreshed = await refreshPlan(plan, registry, ctx);

      expect(refreshed.steps.map((step) => step.drift)).toMatchObject([
        { changes: [], missing: false },
        { changes: [], missing: true },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
