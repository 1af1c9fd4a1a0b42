import { CommandFailedError } from '@stratum/core';
import { createRecordingTransport, createTestContext, respondByCommand } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { parseServiceProbe } from './service-commands';
import { serviceSteps, systemServiceSchema } from './service-kind';
import { createSystemProvider } from './system-provider';

const kind = () => createSystemProvider().kinds.system_service!;

describe('system_service schema', () => {
  it('defaults to disabled and stopped', () => {
    expect(systemServiceSchema.parse({ host: 'h' })).toEqual({ host: 'h', enabled: false, state: 'stopped' });
  });
  it('rejects unknown attributes and states', () => {
    expect(systemServiceSchema.safeParse({ host: 'h', state: 'running' }).success).toBe(false);
    expect(systemServiceSchema.safeParse({ host: 'h', restart: true }).success).toBe(false);
    expect(systemServiceSchema.safeParse({ host: 'h', enabled: 'yes' }).success).toBe(false);
  });
});

describe('system_service order of operations', () => {
  it.each([
    [true, 'started', ['enable', 'start', 'wait-active']],
    [true, 'stopped', ['enable', 'stop']],
    [false, 'stopped', ['stop?', 'disable']],
    [false, 'started', ['disable?', 'start', 'wait-active']],
  ] as const)('enabled=%s state=%s', (enabled, state, expected) => {
    const steps = serviceSteps(enabled, state).map((s) =>
      'bestEffort' in s && s.bestEffort ? `${s.verb}?` : s.verb,
    );
    expect(steps).toEqual(expected);
  });

  it('runs them on the host, tolerating best-effort failures, and traces the result', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [/^systemctl disable/, { exitCode: 1, stderr: 'not loaded' }],
        [/^systemctl start/, ''],
        [/is-active --quiet/, ''],
      ]),
    );
    const ctx = createTestContext(transport);
    const state = await kind().create(
      {
        kind: 'system_service',
        name: 'web',
        attrs: { host: 'h', name: 'nginx', enabled: false, state: 'started' },
        raw: {},
      },
      ctx,
    );
    expect(state).toEqual({ host: 'h', name: 'nginx', enabled: false, state: 'started' });
    expect(transport.commands().map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual([
      'systemctl disable',
      'systemctl start',
      'i=0; while',
    ]);
    expect(ctx.traces()).toEqual(['[system] SERVICE `nginx` enabled=false state=started on h']);
  });

  it('a failed enable stops the apply with the unit, host and stderr', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [
          /^systemctl enable/,
          { exitCode: 1, stderr: 'Failed to enable unit: Unit file nope.service does not exist.\n' },
        ],
      ]),
    );
    const error = await kind()
      .create(
        {
          kind: 'system_service',
          name: 'nope',
          attrs: { host: 'h', enabled: true, state: 'started' },
          raw: {},
        },
        createTestContext(transport),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as Error).message).toBe(
      'system_service.nope: systemctl enable nope failed on h (exit 1):\nFailed to enable unit: Unit file nope.service does not exist.',
    );
  });

  it('a unit that never becomes active fails with its status, and the journal when the status says little', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [/^systemctl (enable|start)/, ''],
        [/is-active --quiet/, { exitCode: 1 }],
        [/^systemctl status/, { exitCode: 3, stdout: '○ app.service\n     Active: inactive (dead)\n' }],
        [/^journalctl/, 'app[12]: listen tcp :80: address already in use\n'],
      ]),
    );
    const error = await kind()
      .create(
        {
          kind: 'system_service',
          name: 'app',
          attrs: { host: 'h', enabled: true, state: 'started' },
          raw: {},
        },
        createTestContext(transport),
      )
      .catch((e: unknown) => e);
    const message = (error as Error).message;
    expect(message).toContain('system_service.app: waiting for app to become active failed on h');
    expect(message).toContain('app was not active after 10s');
    expect(message).toContain('Active: inactive (dead)');
    expect(message).toContain('journalctl -u app:\napp[12]: listen tcp :80: address already in use');
  });

  it('a detailed status is enough: no journal', async () => {
    const status = Array.from({ length: 12 }, (_, i) => `line ${i}`).join('\n');
    const transport = createRecordingTransport(
      respondByCommand([
        [/^systemctl (enable|start)/, ''],
        [/is-active --quiet/, { exitCode: 1 }],
        [/^systemctl status/, { exitCode: 3, stdout: status }],
      ]),
    );
    const error = await kind()
      .create(
        {
          kind: 'system_service',
          name: 'app',
          attrs: { host: 'h', enabled: true, state: 'started' },
          raw: {},
        },
        createTestContext(transport),
      )
      .catch((e: unknown) => e);
    expect((error as Error).message).toContain('line 11');
    expect(transport.commands().some((c) => c.startsWith('journalctl'))).toBe(false);
  });

  it('delete disables and stops, best-effort', async () => {
    const transport = createRecordingTransport(respondByCommand([[/disable --now/, { exitCode: 1 }]]));
    const ctx = createTestContext(transport);
    await kind().delete(
      {
        kind: 'system_service',
        name: 'x',
        prior: { host: 'h', name: 'gone', enabled: true, state: 'started' },
      },
      ctx,
    );
    expect(transport.commands()).toEqual(['systemctl disable --now -- gone']);
    expect(ctx.warnings()).toHaveLength(1);
  });
});

describe('system_service probe parser', () => {
  it.each([
    ['enabled=enabled\nactive=active\n', { enabled: true, state: 'started' }],
    ['enabled=disabled\nactive=inactive\n', { enabled: false, state: 'stopped' }],
    ['enabled=enabled\nactive=failed\n', { enabled: true, state: 'stopped' }],
    ['enabled=static\nactive=activating\n', { enabled: false, state: 'stopped' }],
    ['enabled=masked\nactive=inactive\n', { enabled: false, state: 'stopped' }],
    // An unknown unit: is-enabled prints only to stderr (dropped), is-active says inactive.
    ['enabled=\nactive=inactive\n', { enabled: false, state: 'stopped' }],
  ])('%j', (output, expected) => {
    expect(parseServiceProbe(output)).toEqual(expected);
  });

  it.each([
    '',
    'garbage\n',
    'enabled=enabled\n',
    'enabled=enabled\nactive=sleeping\n',
    'enabled=Failed to x\nactive=active\n',
  ])('%j is not understood', (output) => {
    expect(parseServiceProbe(output)).toBeUndefined();
  });

  it('the probe maps a host without systemctl and garbage to unknown', () => {
    const probe = kind().probe!({ kind: 'system_service', name: 'x', prior: { host: 'h', name: 'docker' } });
    expect(probe.parse('NO_SYSTEMCTL\n', 0)).toEqual({
      status: 'unknown',
      reason: 'system_service read on h: systemctl not found on the host',
    });
    expect(probe.parse('oops', 0).status).toBe('unknown');
    expect(probe.parse('enabled=enabled\nactive=active\n', 0)).toEqual({
      status: 'present',
      attrs: { enabled: true, state: 'started' },
    });
  });
});
