/**
 * The droplet tier: packages, services and ufw rules against a disposable
 * Debian container with systemd, apt and ufw, through the real pooled ssh2
 * transport. These never touch this machine's own packages, units or firewall.
 * Runs when CI is set or STRATUM_DROPLET_TESTS=1; otherwise skipped with the
 * reason printed by the testkit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonObject, type KindHandler, OnceMemo, type Transport } from '@stratum/core';
import { createTestContext } from '@stratum/core/test';
import { createSshTransport, type SshTransport } from '@stratum/provider-ssh';
import { type Droplet, dropletTier, startDroplet } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProbe } from './__tests__/probe';
import { stepsOf } from './__tests__/steps';
import { createSystemProvider } from './system-provider';

const tier = await dropletTier();
const SLOW = 10 * 60_000;

describe.skipIf(!tier.run)('system provider on a fresh droplet', () => {
  let droplet: Droplet;
  let transport: SshTransport;
  let host: string;
  const home = mkdtempSync(join(tmpdir(), 'stratum-droplet-home-'));
  const provider = createSystemProvider();

  beforeAll(async () => {
    droplet = await startDroplet();
    host = droplet.addr;
    transport = createSshTransport({
      homeDir: home,
      sshConfigPath: droplet.sshConfigPath,
      knownHostsPath: droplet.knownHostsPath,
      identityFiles: [droplet.clientKeyPath],
      agentSocket: null,
      hosts: [{ addr: droplet.addr, port: droplet.sshPort }],
    });
  }, 30 * 60_000);

  afterAll(async () => {
    await transport?.close();
    await droplet?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  /** Every command the provider sent, across tests. */
  const sent: string[] = [];
  const recorded: Transport = {
    exec: (target, command, options) => {
      sent.push(command);
      return transport.exec(target, command, options);
    },
  };
  const ctx = () => createTestContext(recorded);
  const handler = (kind: string) => provider.kinds[kind] as KindHandler;
  // One memo for the whole suite: the tests are one run, so `once` commands run once per host.
  const { create, update, remove, drift } = stepsOf(provider, ctx, { once: new OnceMemo() });
  const inDroplet = async (command: string) => {
    const result = await droplet.exec(command);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };
  const NO_DRIFT = { changes: [], missing: false };

  describe('system_package', () => {
    it(
      'create → read → update (absent) → read → hand-made drift → delete; apt-get update once',
      async () => {
        const c = ctx();
        const s1 = await create('system_package', 'tree', { host }, c);
        expect(s1).toEqual({ host, name: 'tree', state: 'present' });
        expect(await inDroplet('command -v tree')).toBe('/usr/bin/tree\n');
        expect(c.traces()).toEqual([`[system] PACKAGE \`tree\` present on ${host}`]);
        expect(await drift('system_package', 'tree', s1)).toMatchObject(NO_DRIFT);

        const s2 = await update('system_package', 'tree', { host, state: 'absent' }, s1);
        expect(s2).toEqual({ host, name: 'tree', state: 'absent' });
        expect(await drift('system_package', 'tree', s2)).toMatchObject(NO_DRIFT);

        await inDroplet('DEBIAN_FRONTEND=noninteractive apt-get -y install tree >/dev/null 2>&1');
        expect((await drift('system_package', 'tree', s2)).changes).toEqual([
          { field: 'state', from: 'absent', to: 'present' },
        ]);

        await remove('system_package', 'tree', s1);
        expect((await droplet.exec('command -v tree')).code).not.toBe(0);
        expect((await drift('system_package', 'tree', s1)).changes).toEqual([
          { field: 'state', from: 'present', to: 'absent' },
        ]);
      },
      SLOW,
    );

    it(
      'a package removed with its config files kept reads as absent; apt-get update ran once in the run',
      async () => {
        const c = ctx();
        // Same run as the test above: apt-get update must not run again.
        await create('system_package', 'nano', { host }, c);
        await create('system_package', 'nano', { host, state: 'absent' }, c);
        expect(await inDroplet(`dpkg-query -W -f='\${Status}' nano`)).toBe('deinstall ok config-files');
        const probe = handler('system_package').probe!({
          kind: 'system_package',
          name: 'nano',
          prior: { host, name: 'nano' },
        });
        expect(await runProbe(transport, probe)).toEqual({ status: 'present', attrs: { state: 'absent' } });
        const unknown = handler('system_package').probe!({
          kind: 'system_package',
          name: 'x',
          prior: { host, name: 'no-such-package-xyz' },
        });
        expect(await runProbe(transport, unknown)).toEqual({ status: 'present', attrs: { state: 'absent' } });
        expect(
          sent.filter((command) =>
            command.endsWith(
              'apt-get -y -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=600 update',
            ),
          ),
        ).toHaveLength(1);
        expect(
          await inDroplet(
            'grep -c "Commandline: apt-get -y -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=600 install -- nano" /var/log/apt/history.log',
          ),
        ).toBe('1\n');
      },
      SLOW,
    );

    it(
      'removing a package apt has never heard of is done, for state absent and for a delete',
      async () => {
        const c = ctx();
        const s = await create(
          'system_package',
          'ghost',
          { host, name: 'no-such-package-xyz', state: 'absent' },
          c,
        );
        expect(s).toEqual({ host, name: 'no-such-package-xyz', state: 'absent' });
        await remove('system_package', 'ghost', s, c);
        expect(c.warnings()).toEqual([]);
        expect(c.traces()).toEqual([`[system] PACKAGE \`no-such-package-xyz\` absent on ${host}`]);
      },
      SLOW,
    );

    it(
      'an unknown package fails the apply with apt’s message',
      async () => {
        const error = (await create('system_package', 'nope', { host, name: 'no-such-package-xyz' }).catch(
          (e: unknown) => e,
        )) as Error;
        expect(error.message).toContain(
          `system_package.nope: apt-get install no-such-package-xyz failed on ${host} (exit 100)`,
        );
        expect(error.message).toContain('Unable to locate package no-such-package-xyz');
      },
      SLOW,
    );
  });

  describe('system_service', () => {
    const unit = 'stratum-demo';
    beforeAll(async () => {
      await create('system_file', 'unit', {
        host,
        path: `/etc/systemd/system/${unit}.service`,
        content:
          '[Unit]\nDescription=stratum demo\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n',
      });
      await create('system_file', 'broken', {
        host,
        path: '/etc/systemd/system/stratum-broken.service',
        content:
          '[Unit]\nDescription=always fails\n[Service]\nExecStart=/bin/sh -c "echo boom-from-the-unit; exit 3"\n',
      });
      await inDroplet('systemctl daemon-reload');
    }, SLOW);

    it(
      'each (enabled, state) pair: apply → read shows no drift',
      async () => {
        let prior: JsonObject | undefined;
        for (const [enabled, state] of [
          [true, 'started'],
          [true, 'stopped'],
          [false, 'started'],
          [false, 'stopped'],
        ] as const) {
          const c = ctx();
          const attrs = { host, name: unit, enabled, state };
          prior =
            prior === undefined
              ? await create('system_service', 'demo', attrs, c)
              : await update('system_service', 'demo', attrs, prior, c);
          expect(prior).toEqual({ host, name: unit, enabled, state });
          expect(c.traces()).toEqual([
            `[system] SERVICE \`${unit}\` enabled=${enabled} state=${state} on ${host}`,
          ]);
          expect(await inDroplet(`systemctl is-enabled ${unit} || true`)).toBe(
            enabled ? 'enabled\n' : 'disabled\n',
          );
          expect(await inDroplet(`systemctl is-active ${unit} || true`)).toBe(
            state === 'started' ? 'active\n' : 'inactive\n',
          );
          expect(await drift('system_service', 'demo', prior)).toMatchObject(NO_DRIFT);
        }
      },
      SLOW,
    );

    it(
      'hand-made drift is read; delete disables and stops',
      async () => {
        const s = await create('system_service', unit, { host, enabled: true, state: 'started' });
        await inDroplet(`systemctl stop ${unit}`);
        expect((await drift('system_service', unit, s)).changes).toEqual([
          { field: 'state', from: 'started', to: 'stopped' },
        ]);
        await inDroplet(`systemctl disable ${unit} 2>/dev/null`);
        expect((await drift('system_service', unit, s)).changes.map((ch) => ch.field)).toEqual([
          'enabled',
          'state',
        ]);
        await update('system_service', unit, { host, enabled: true, state: 'started' }, s);
        await remove('system_service', unit, s);
        expect(await inDroplet(`systemctl is-enabled ${unit} || true`)).toBe('disabled\n');
        expect(await inDroplet(`systemctl is-active ${unit} || true`)).toBe('inactive\n');
      },
      SLOW,
    );

    it(
      'a unit that never becomes active fails after the wait with its status and journal',
      async () => {
        const error = (await create('system_service', 'broken', {
          host,
          name: 'stratum-broken',
          state: 'started',
        }).catch((e: unknown) => e)) as Error & { code: string };
        expect(error.code).toBe('CommandFailed');
        expect(error.message).toContain(
          'system_service.broken: waiting for stratum-broken to become active failed',
        );
        expect(error.message).toContain('stratum-broken was not active after 10s');
        expect(error.message).toContain('systemctl status:');
        expect(error.message).toContain('journalctl -u stratum-broken:');
        expect(error.message).toContain('boom-from-the-unit');
      },
      SLOW,
    );

    it(
      'a unit that does not exist fails at the first step',
      async () => {
        const error = (await create('system_service', 'ghost', {
          host,
          enabled: true,
          state: 'started',
        }).catch((e: unknown) => e)) as Error;
        expect(error.message).toContain(`system_service.ghost: systemctl enable ghost failed on ${host}`);
      },
      SLOW,
    );
  });

  describe('system_ufw_rule', () => {
    it(
      'create → read → update → read → hand-made drift → delete (ufw inactive)',
      async () => {
        const c = ctx();
        const s1 = await create('system_ufw_rule', 'ssh', { host, port: '22/tcp', rule: 'allow' }, c);
        expect(c.traces()).toEqual([`[system] UFW allow 22/tcp on ${host}`]);
        expect(await inDroplet('ufw show added')).toContain('ufw allow 22/tcp');
        expect(await drift('system_ufw_rule', 'ssh', s1)).toMatchObject(NO_DRIFT);

        const s2 = await update('system_ufw_rule', 'ssh', { host, port: '2222/tcp', rule: 'limit' }, s1);
        const added = await inDroplet('ufw show added');
        expect(added).toContain('ufw limit 2222/tcp');
        expect(added).not.toContain('ufw allow 22/tcp');
        expect(await drift('system_ufw_rule', 'ssh', s2)).toMatchObject(NO_DRIFT);

        const s3 = await create('system_ufw_rule', 'web', { host, port: '8080', rule: 'deny' });
        expect(await drift('system_ufw_rule', 'web', s3)).toMatchObject(NO_DRIFT);

        await inDroplet('ufw delete limit 2222/tcp');
        expect(await drift('system_ufw_rule', 'ssh', s2)).toMatchObject({ changes: [], missing: true });
        expect(await drift('system_ufw_rule', 'web', s3)).toMatchObject(NO_DRIFT);

        await remove('system_ufw_rule', 'web', s3);
        expect(await inDroplet('ufw show added')).not.toContain('8080');
        expect((await drift('system_ufw_rule', 'web', s3)).missing).toBe(true);
      },
      SLOW,
    );

    it(
      'the read also works with the firewall enabled',
      async () => {
        const s = await create('system_ufw_rule', 'ssh', { host, port: '22/tcp', rule: 'allow' });
        await inDroplet('ufw --force enable');
        try {
          expect(await drift('system_ufw_rule', 'ssh', s)).toMatchObject(NO_DRIFT);
        } finally {
          await inDroplet('ufw --force disable');
        }
      },
      SLOW,
    );

    it(
      'without ufw the read is unknown with the reason',
      async () => {
        await inDroplet('mv /usr/sbin/ufw /usr/sbin/ufw.hidden');
        try {
          const d = await drift('system_ufw_rule', 'ssh', { host, port: '22/tcp', rule: 'allow' });
          expect(d.unreadable).toBe(`system_ufw_rule read on ${host}: ufw is not installed on the host`);
        } finally {
          await inDroplet('mv /usr/sbin/ufw.hidden /usr/sbin/ufw');
        }
      },
      SLOW,
    );
  });
});
