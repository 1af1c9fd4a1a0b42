import { buildPlan, planViews, Registry } from '@stratum/core';
import {
  createRecordingTransport,
  createTestContext,
  desiredResource,
  resourceState,
  respondByCommand,
  runStep,
  stateWith,
} from '@stratum/core/test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSysctlProbe, systemSysctlKind, systemSysctlSchema } from './sysctl-kind';
import { createSystemProvider } from './system-provider';

const host = 'root@h';
const kind = systemSysctlKind;
const registry = new Registry([createSystemProvider()]);

describe('system_sysctl schema', () => {
  it('takes a key and a value (a number becomes its decimal form)', () => {
    expect(systemSysctlSchema.parse({ host, key: 'vm.swappiness', value: 10 })).toEqual({
      host,
      key: 'vm.swappiness',
      value: '10',
      prefix: '90-stratum',
    });
    expect(systemSysctlSchema.safeParse({ host, key: 'vm swappiness', value: 1 }).success).toBe(false);
    expect(systemSysctlSchema.safeParse({ host, key: '../x', value: 1 }).success).toBe(false);
    expect(systemSysctlSchema.safeParse({ host, key: 'a.b', value: ' ' }).success).toBe(false);
    expect(systemSysctlSchema.safeParse({ host, key: 'a.b', value: '1\n2' }).success).toBe(false);
  });

  it('one key per host', () => {
    const desired = [
      desiredResource('system_sysctl', 'a', { host, key: 'vm.swappiness', value: 10 }),
      desiredResource('system_sysctl', 'b', { host, key: 'vm.swappiness', value: 20, prefix: '10-x' }),
    ];
    expect(() => buildPlan(desired, stateWith(), { registry })).toThrow(
      'both use sysctl key `vm.swappiness`',
    );
  });

  it('plans nothing against what it recorded', async () => {
    const desired = [desiredResource('system_sysctl', 's', { host, key: 'vm.swappiness', value: 10 })];
    const state = stateWith(
      resourceState('system_sysctl', 's', {
        host,
        key: 'vm.swappiness',
        value: '10',
        prefix: '90-stratum',
        persisted: true,
      }),
    );
    const plan = buildPlan(desired, state, { registry, views: await planViews(desired, registry) });
    expect(plan.steps[0]).toMatchObject({ action: 'noop' });
  });
});

describe('system_sysctl steps', () => {
  it('sets the value live, then persists it; a renamed file is removed', async () => {
    const transport = createRecordingTransport(respondByCommand([['', '']]));
    const ctx = createTestContext(transport);
    const attrs = systemSysctlSchema.parse({
      host,
      key: 'net.ipv4.ip_local_port_range',
      value: '1024  65000',
      prefix: '80-app',
    });
    const run = await runStep(
      kind,
      {
        action: 'update',
        kind: 'system_sysctl',
        name: 'ports',
        attrs,
        prior: { host, key: 'net.ipv4.ip_local_port_range', prefix: '90-stratum' },
      },
      ctx,
    );
    expect(transport.calls.map((c) => [c.command, c.stdin])).toEqual([
      ["sysctl -w -- 'net.ipv4.ip_local_port_range=1024 65000'", undefined],
      [
        'install -D -T -m 0644 -o root -g root /dev/stdin /etc/sysctl.d/80-app-net.ipv4.ip_local_port_range.conf',
        'net.ipv4.ip_local_port_range = 1024 65000\n',
      ],
      ['rm -f -- /etc/sysctl.d/90-stratum-net.ipv4.ip_local_port_range.conf', undefined],
    ]);
    expect(run.recorded).toEqual({
      host,
      key: 'net.ipv4.ip_local_port_range',
      value: '1024  65000',
      prefix: '80-app',
      persisted: true,
    });
    expect(ctx.traces()).toEqual([
      `[system] SYSCTL \`ports\` net.ipv4.ip_local_port_range on ${host} (/etc/sysctl.d/80-app-net.ipv4.ip_local_port_range.conf)`,
    ]);
  });

  it('a read-only key fails before anything is persisted, and says why', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [
          'sysctl -w',
          { exitCode: 255, stderr: 'sysctl: setting key "net.core.somaxconn": Read-only file system\n' },
        ],
      ]),
    );
    const attrs = systemSysctlSchema.parse({ host, key: 'net.core.somaxconn', value: 4096 });
    const error = (await runStep(
      kind,
      { action: 'create', kind: 'system_sysctl', name: 's', attrs },
      createTestContext(transport),
    ).catch((e: unknown) => e)) as Error & { hint?: string };
    expect(error.message).toContain(
      `system_sysctl.s: sysctl -w net.core.somaxconn failed on ${host} (exit 255)`,
    );
    expect(error.message).toContain('Read-only file system');
    expect(error.hint).toContain('cannot be set on this host');
    expect(transport.commands()).toHaveLength(1);
  });
});

describe('system_sysctl probe parser', () => {
  const target = { host, key: 'vm.swappiness', prior: '10' };
  it('live value in the prior spelling, persisted when the file agrees', () => {
    expect(parseSysctlProbe(target, 'VALUE|10\nFILE|10\n', 0)).toEqual({
      status: 'present',
      attrs: { host, key: 'vm.swappiness', value: '10', persisted: true },
    });
    expect(parseSysctlProbe({ ...target, prior: '1 2' }, 'VALUE|1 2\nFILE|1   2\n', 0)).toMatchObject({
      attrs: { value: '1 2', persisted: true },
    });
    expect(parseSysctlProbe(target, 'VALUE|60\nFILE|\n', 0)).toMatchObject({
      attrs: { value: '60', persisted: false },
    });
    expect(
      parseSysctlProbe(target, 'NO_KEY|sysctl: cannot stat /proc/sys/vm/x: No such file or directory\n', 0),
    ).toEqual({ status: 'absent' });
    expect(parseSysctlProbe(target, 'sh: sysctl: not found\n', 127)).toEqual({
      status: 'unknown',
      reason: 'system_sysctl read of vm.swappiness on root@h failed (exit 127): "sh: sysctl: not found"',
    });
  });
  it('never throws', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 100 }),
        fc.integer({ min: 0, max: 255 }),
        (out, code) => {
          expect(['present', 'absent', 'unknown']).toContain(parseSysctlProbe(target, out, code).status);
        },
      ),
    );
  });
});
