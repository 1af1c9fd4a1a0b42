import { Registry, validateDesired } from '@stratum/core';
import { CommandFailedError } from '@stratum/core/kit';
import {
  createRecordingTransport,
  createTestContext,
  desiredResource,
  respondByCommand,
  runStep,
} from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { parseServiceProbe } from './service-commands';
import { serviceSteps, systemServiceKind, systemServiceSchema } from './service-kind';
import { createSystemProvider } from './system-provider';

const kind = () => systemServiceKind;
const create = (name: string, attrs: Record<string, unknown>) => ({
  action: 'create' as const,
  kind: 'system_service',
  name,
  attrs: systemServiceSchema.parse(attrs),
  // As the config wrote them: the parsed attrs carry defaults a config never wrote.
  raw: attrs as never,
});

describe('system_service schema', () => {
  it('defaults to disabled and stopped', () => {
    expect(systemServiceSchema.parse({ host: 'h' })).toEqual({
      host: 'h',
      enabled: false,
      state: 'stopped',
      on_trigger: 'restart',
    });
  });
  it('rejects unknown attributes and states', () => {
    expect(systemServiceSchema.safeParse({ host: 'h', state: 'running' }).success).toBe(false);
    expect(systemServiceSchema.safeParse({ host: 'h', restart: true }).success).toBe(false);
    expect(systemServiceSchema.safeParse({ host: 'h', enabled: 'yes' }).success).toBe(false);
  });
});

describe('system_service trigger', () => {
  const rerun = async (attrs: Record<string, unknown>) => {
    const operation = await systemServiceKind.trigger!.operation({
      kind: 'system_service',
      name: 'web',
      attrs: systemServiceSchema.parse({ host: 'h', ...attrs }),
      raw: { host: 'h', ...attrs },
      alongside: 'none',
    });
    return operation!.commands.map((c) => c.step);
  };

  it('restarts (or reloads) a unit meant to run, and waits until it is active', async () => {
    expect(await rerun({ state: 'started' })).toEqual([
      'systemctl restart web',
      'waiting for web to become active',
    ]);
    expect(await rerun({ state: 'started', on_trigger: 'reload' })).toEqual([
      'systemctl reload web',
      'waiting for web to become active',
    ]);
  });

  it('never starts a unit meant to be stopped: only one that happens to run is restarted', async () => {
    expect(await rerun({ state: 'stopped' })).toEqual(['systemctl try-restart web']);
    expect(await rerun({ state: 'stopped', on_trigger: 'reload' })).toEqual([
      'systemctl try-reload-or-restart web',
    ]);
  });

  it('names its re-run for the plan, and records on_trigger only when the config wrote it', async () => {
    expect(systemServiceKind.trigger!.verb({ host: 'h' })).toBe('restart');
    expect(systemServiceKind.trigger!.verb({ host: 'h', on_trigger: 'reload' })).toBe('reload');
    const record = async (raw: Record<string, unknown>) =>
      (
        await systemServiceKind.create({
          kind: 'system_service',
          name: 'web',
          attrs: systemServiceSchema.parse(raw),
          raw: raw as never,
        })
      ).record!([]);
    expect(await record({ host: 'h' })).toEqual({ host: 'h', name: 'web', enabled: false, state: 'stopped' });
    expect(await record({ host: 'h', on_trigger: 'reload' })).toMatchObject({ on_trigger: 'reload' });
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
    const run = await runStep(
      kind(),
      create('web', { host: 'h', name: 'nginx', enabled: false, state: 'started' }),
      ctx,
    );
    expect(run.recorded).toEqual({ host: 'h', name: 'nginx', enabled: false, state: 'started' });
    expect(transport.commands().map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual([
      'systemctl disable',
      'systemctl start',
      'i=0; while',
    ]);
    expect(ctx.traces()).toEqual(['[system] SERVICE `nginx` enabled=false state=started on h']);
    expect(ctx.warnings()).toEqual([]);
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
    const error = await runStep(
      kind(),
      create('nope', { host: 'h', enabled: true, state: 'started' }),
      createTestContext(transport),
    ).catch((e: unknown) => e);
    expect(CommandFailedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'system_service.nope: systemctl enable nope failed on h (exit 1):\nFailed to enable unit: Unit file nope.service does not exist.',
    );
  });

  it('a unit that never becomes active fails with its status and its journal', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [/^systemctl (enable|start)/, ''],
        [/is-active --quiet/, { exitCode: 1, stderr: 'app was not active after 10s\n' }],
        [/^systemctl status/, { exitCode: 3, stdout: '○ app.service\n     Active: inactive (dead)\n' }],
        [/^journalctl/, 'app[12]: listen tcp :80: address already in use\n'],
      ]),
    );
    const error = await runStep(
      kind(),
      create('app', { host: 'h', enabled: true, state: 'started' }),
      createTestContext(transport),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      [
        'system_service.app: waiting for app to become active failed on h (exit 1):',
        'app was not active after 10s',
        'systemctl status:',
        '○ app.service',
        '     Active: inactive (dead)',
        'journalctl -u app:',
        'app[12]: listen tcp :80: address already in use',
      ].join('\n'),
    );
    expect((error as CommandFailedError).hint).toMatch(/status and journal/);
    expect(transport.commands().slice(-2)).toEqual([
      'systemctl status --no-pager -n 20 -- app',
      'journalctl -u app --no-pager -n 50',
    ]);
  });

  it('the status keeps its last 20 lines and the journal its last 50', async () => {
    const lines = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${prefix} ${i}`).join('\n');
    const transport = createRecordingTransport(
      respondByCommand([
        [/^systemctl (enable|start)/, ''],
        [/is-active --quiet/, { exitCode: 1 }],
        [/^systemctl status/, { exitCode: 3, stdout: lines('status', 30) }],
        [/^journalctl/, lines('journal', 80)],
      ]),
    );
    const message = (
      (await runStep(
        kind(),
        create('app', { host: 'h', enabled: true, state: 'started' }),
        createTestContext(transport),
      ).catch((e: unknown) => e)) as Error
    ).message;
    expect(message).toContain('status 29');
    expect(message).toContain('status 10');
    expect(message).not.toContain('status 9\n');
    expect(message).toContain('journal 79');
    expect(message).toContain('journal 30');
    expect(message).not.toContain('journal 29\n');
  });

  it('the wait has room for its seconds on the host, and status and journal only run after a failure', async () => {
    const operation = await kind().create({
      kind: 'system_service',
      name: 'app',
      attrs: systemServiceSchema.parse({ host: 'h', enabled: true, state: 'started' }),
      raw: {},
    });
    expect(operation.commands.map((c) => c.step)).toEqual([
      'systemctl enable app',
      'systemctl start app',
      'waiting for app to become active',
    ]);
    expect(operation.commands[2]!.timeoutMs).toBe(40_000);
    const transport = createRecordingTransport(
      respondByCommand([[/^systemctl (enable|start)|is-active/, '']]),
    );
    await runStep(
      kind(),
      create('app', { host: 'h', enabled: true, state: 'started' }),
      createTestContext(transport),
    );
    expect(transport.commands().some((c) => /status|journalctl/.test(c))).toBe(false);
  });

  it('delete disables and stops, best-effort', async () => {
    const transport = createRecordingTransport(respondByCommand([[/disable --now/, { exitCode: 1 }]]));
    const ctx = createTestContext(transport);
    await runStep(
      kind(),
      {
        action: 'delete',
        kind: 'system_service',
        name: 'x',
        prior: { host: 'h', name: 'gone', enabled: true, state: 'started' },
      },
      ctx,
    );
    expect(transport.commands()).toEqual(['systemctl disable --now -- gone']);
    expect(ctx.warnings()).toEqual([
      'system_service.x: systemctl disable --now gone on h failed (exit 1); ignored',
    ]);
  });
});

describe('system_service hooks', () => {
  it('host and name say which unit it is: no secret reference there', () => {
    expect(systemServiceKind.identity).toEqual(['host', 'name']);
    const at = { line: 1, column: 1 };
    const codes = (attr: string) =>
      validateDesired(
        [
          desiredResource(
            'system_service',
            'web',
            { host: 'h', name: 'nginx' },
            { block: at, attrs: {}, secretRefs: [{ attr, secret: 's', location: at }] },
          ),
        ],
        new Registry([createSystemProvider()]),
      ).map((d) => d.code);
    expect(codes('host')).toEqual(['SecretInUnsupportedAttr']);
    expect(codes('name')).toEqual(['SecretInUnsupportedAttr']);
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
