import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlan, planViews, Registry, validateDesired } from '@stratum/core';
import {
  createRecordingTransport,
  createTestContext,
  desiredResource,
  resourceState,
  respondByCommand,
  runStep,
  stateWith,
} from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { bannerKind, bannerSchema, parseBannerProbe } from './banner.js';
import { createMotdProvider } from './index.js';

const registry = new Registry([createMotdProvider()]);
const welcome = { host: 'root@web1', text: "It's Monday\n" };

describe('motd_banner', () => {
  it('names a misspelt attribute before any host is touched', () => {
    const resource = desiredResource('motd_banner', 'welcome', { host: 'root@web1', txt: 'Hi' });
    expect(validateDesired([resource], registry).map((d) => d.message)).toEqual([
      'motd_banner.welcome: missing required attribute `text`',
      'motd_banner.welcome: unknown attribute `txt` (did you mean `text`?)',
    ]);
  });

  it('refuses a secret in the banner, at the reference', () => {
    const at = { file: 'stratum.strat', line: 3, column: 13 };
    const resource = desiredResource('motd_banner', 'welcome', welcome, {
      block: { file: 'stratum.strat', line: 1, column: 1 },
      attrs: {},
      secretRefs: [{ attr: 'text', secret: 'token', location: at }],
    });
    const [diagnostic] = validateDesired([resource], registry);
    expect(diagnostic).toMatchObject({ code: 'SecretInUnsupportedAttr', location: at });
    expect(diagnostic?.hint).toBe(
      'a login banner is readable by every user of the host; keep secrets out of it',
    );
  });

  it('writes the text through stdin and records what state keeps', async () => {
    const transport = createRecordingTransport(respondByCommand([['cat >', '']]));
    const ctx = createTestContext(transport);
    const attrs = bannerSchema.parse(welcome);

    const run = await runStep(
      bannerKind,
      { action: 'create', kind: 'motd_banner', name: 'welcome', attrs },
      ctx,
    );

    expect(transport.calls).toEqual([
      {
        host: 'root@web1',
        command:
          'umask 077 && cat > /etc/motd.stratum-tmp && chmod 0644 /etc/motd.stratum-tmp && mv -f -- /etc/motd.stratum-tmp /etc/motd',
        stdin: "It's Monday\n",
        options: { signal: ctx.signal },
      },
    ]);
    expect(run.recorded).toEqual({
      host: 'root@web1',
      path: '/etc/motd',
      mode: '0644',
      text: "It's Monday\n",
    });
    expect(ctx.traces()).toEqual(['[motd] BANNER `welcome` -> root@web1:/etc/motd']);
  });

  it('removes a banner that moved from where it was', async () => {
    const transport = createRecordingTransport(() => '');
    const attrs = bannerSchema.parse({ ...welcome, path: '/etc/issue.net' });
    const prior = { host: 'root@web1', path: '/etc/motd', mode: '0644', text: 'Hi\n' };

    await runStep(
      bannerKind,
      { action: 'update', kind: 'motd_banner', name: 'welcome', attrs, prior },
      createTestContext(transport),
    );

    expect(transport.commands()).toEqual([
      'rm -- /etc/motd',
      expect.stringContaining('mv -f -- /etc/issue.net.stratum-tmp /etc/issue.net'),
    ]);
  });

  it('counts a banner that is gone already as removed', async () => {
    const transport = createRecordingTransport(() => ({
      exitCode: 1,
      stderr: "rm: cannot remove '/etc/motd': No such file or directory\n",
    }));
    const prior = { host: 'root@web1', path: '/etc/motd', mode: '0644', text: 'Hi\n' };
    const run = runStep(
      bannerKind,
      { action: 'delete', kind: 'motd_banner', name: 'welcome', prior },
      createTestContext(transport),
    );
    await expect(run).resolves.toBeDefined();
  });

  it('claims its path in the space the built-in file kinds use', () => {
    const desired = [
      desiredResource('motd_banner', 'a', welcome),
      desiredResource('motd_banner', 'b', { ...welcome, path: '/etc/motd' }),
    ];
    expect(() => buildPlan(desired, stateWith(), { registry })).toThrow(
      'file path conflict on host `root@web1`: `motd_banner.a` and `motd_banner.b` both use file path `/etc/motd`',
    );
  });

  it('plans a change when an attribute goes back to its default', async () => {
    const state = stateWith(
      resourceState('motd_banner', 'welcome', {
        host: 'root@web1',
        path: '/etc/motd',
        mode: '0600',
        text: 'Hi\n',
      }),
    );
    const desired = [desiredResource('motd_banner', 'welcome', { host: 'root@web1', text: 'Hi\n' })];

    const plan = buildPlan(desired, state, { registry, views: await planViews(desired, registry) });

    expect(plan.steps[0]).toMatchObject({
      action: 'update',
      changes: [{ field: 'mode', from: '0600', to: '0644' }],
    });
  });

  it('inlines text_file, relative to the config that names it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'motd-'));
    try {
      await writeFile(join(dir, 'motd.txt'), 'from a file\n');
      const local = { kind: 'motd_banner', name: 'welcome', baseDir: dir };
      const prepared = await bannerKind.prepare!({ host: 'root@web1', text_file: 'motd.txt' }, local);
      expect(prepared).toEqual({ host: 'root@web1', text: 'from a file\n' });
      await expect(
        (async () => bannerKind.prepare!({ host: 'root@web1', text_file: 'missing.txt' }, local))(),
      ).rejects.toMatchObject({ code: 'MotdTextFileUnreadable', attr: 'text_file' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('tells an absent banner from one it cannot read', () => {
    const target = { host: 'root@web1', path: '/etc/motd', priorMode: '0644' };
    expect(parseBannerProbe(target, '644\nHello\n', 0)).toEqual({
      status: 'present',
      attrs: { host: 'root@web1', path: '/etc/motd', mode: '0644', text: 'Hello\n' },
    });
    expect(parseBannerProbe(target, '', 3)).toEqual({ status: 'absent' });
    expect(parseBannerProbe(target, '644\ncat: /etc/motd: Permission denied\n', 1)).toEqual({
      status: 'unknown',
      reason: 'cannot read /etc/motd on root@web1 (exit 1): cat: /etc/motd: Permission denied',
    });
    expect(parseBannerProbe(target, '', 0)).toMatchObject({ status: 'unknown' });
  });
});
