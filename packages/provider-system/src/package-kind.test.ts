import { OnceMemo, Registry, validateDesired } from '@stratum/core';
import { CommandFailedError } from '@stratum/core/kit';
import {
  createRecordingTransport,
  createTestContext,
  desiredResource,
  respondByCommand,
  runStep,
} from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { parsePackageProbe, systemPackageKind, systemPackageSchema } from './package-kind';
import { createSystemProvider } from './system-provider';

const probe = (status: string, rc: number) => `status=${status}\nrc=${rc}\n`;

describe('system_package schema', () => {
  it('defaults state to present and leaves name to the label', () => {
    expect(systemPackageSchema.parse({ host: 'root@h' })).toEqual({ host: 'root@h', state: 'present' });
  });

  it('rejects unknown attributes and bad states', () => {
    expect(systemPackageSchema.safeParse({ host: 'h', name: 'x', version: '1' }).success).toBe(false);
    expect(systemPackageSchema.safeParse({ host: 'h', state: 'latest' }).success).toBe(false);
    expect(systemPackageSchema.safeParse({ name: 'x' }).success).toBe(false);
  });
});

describe('system_package probe parser', () => {
  it.each([
    ['install ok installed', 'present'],
    ['hold ok installed', 'present'],
    ['install ok triggers-pending', 'present'],
    ['deinstall ok config-files', 'absent'],
    ['purge ok not-installed', 'absent'],
    ['install ok half-configured', 'absent'],
    ['install reinstreq half-installed', 'absent'],
  ])('%s → %s', (status, state) => {
    expect(parsePackageProbe(probe(status, 0), 0, 'h')).toEqual({ status: 'present', attrs: { state } });
  });

  it('a package dpkg has never heard of is absent', () => {
    expect(parsePackageProbe(probe('', 1), 0, 'h')).toEqual({
      status: 'present',
      attrs: { state: 'absent' },
    });
  });

  it('a multi-arch package is present when any architecture is installed', () => {
    const output = 'status=deinstall ok config-files\ninstall ok installed\nrc=0\n';
    expect(parsePackageProbe(output, 0, 'h')).toEqual({ status: 'present', attrs: { state: 'present' } });
  });

  it.each([
    ['no dpkg', 'NO_DPKG\n', 0],
    ['garbage', 'sh: 1: syntax error\n', 0],
    ['a status that is not one', probe('hello world', 0), 0],
    ['a failed snippet', probe('install ok installed', 0), 2],
    ['an unexpected dpkg-query exit', probe('', 2), 0],
    ['empty output', '', 0],
  ])('%s → unknown', (_what, output, exitCode) => {
    expect(parsePackageProbe(output, exitCode, 'h').status).toBe('unknown');
  });
});

describe('system_package apply', () => {
  const kind = systemPackageKind;
  const okApt = respondByCommand([[/apt-get/, '']]);
  const create = (name: string, attrs: Record<string, unknown>) => ({
    action: 'create' as const,
    kind: 'system_package',
    name,
    attrs: systemPackageSchema.parse(attrs),
  });

  it('runs apt-get update once per host per run before the first install, then installs', async () => {
    const transport = createRecordingTransport(okApt);
    const ctx = createTestContext(transport);
    const once = new OnceMemo();
    const first = await runStep(kind, create('curl', { host: 'root@a' }), ctx, { once });
    expect(first.recorded).toEqual({ host: 'root@a', name: 'curl', state: 'present' });
    await runStep(kind, create('git', { host: 'root@a' }), ctx, { once });
    await runStep(kind, create('git', { host: 'root@b' }), ctx, { once });
    expect(
      transport.calls.map((c) => `${c.host} ${c.command.replace(/^.*apt-get -y (-o \S+ )+/, '')}`),
    ).toEqual([
      'root@a update',
      'root@a install -- curl',
      'root@a install -- git',
      'root@b update',
      'root@b install -- git',
    ]);
    expect(ctx.traces()).toEqual([
      '[system] PACKAGE `curl` present on root@a',
      '[system] PACKAGE `git` present on root@a',
      '[system] PACKAGE `git` present on root@b',
    ]);
  });

  it('the update is a `once` command with a long timeout; every install carries it', async () => {
    const operation = await kind.create({
      kind: 'system_package',
      name: 'curl',
      attrs: systemPackageSchema.parse({ host: 'root@a' }),
      raw: {},
    });
    expect(operation).toMatchObject({
      host: 'root@a',
      commands: [
        { step: 'apt-get update', once: 'apt-update', timeoutMs: 30 * 60_000 },
        { step: 'apt-get install curl', timeoutMs: 30 * 60_000 },
      ],
    });
    expect(operation.commands[1]).not.toHaveProperty('once');
  });

  it('a failed update is not remembered, and the error names host, step and stderr', async () => {
    let fail = true;
    const transport = createRecordingTransport(
      respondByCommand([
        [/ update$/, () => (fail ? { exitCode: 100, stderr: 'E: Could not get lock\n' } : '')],
        [/install/, ''],
      ]),
    );
    const ctx = createTestContext(transport);
    const once = new OnceMemo();
    const request = {
      action: 'create' as const,
      kind: 'system_package',
      name: 'docker',
      attrs: { host: 'root@a', name: 'docker.io', state: 'present' as const },
    };
    const error = await runStep(kind, request, ctx, { once }).catch((e: unknown) => e);
    expect(CommandFailedError.isInstance(error)).toBe(true);
    expect((error as CommandFailedError).code).toBe('CommandFailed');
    expect((error as Error).message).toBe(
      'system_package.docker: apt-get update failed on root@a (exit 100):\nE: Could not get lock',
    );
    expect((error as CommandFailedError).hint).toMatch(/apt sources/);
    expect(transport.commands().some((c) => c.includes(' install '))).toBe(false);
    fail = false;
    await runStep(kind, request, ctx, { once });
    await runStep(kind, request, ctx, { once });
    expect(transport.commands().filter((c) => c.endsWith(' update'))).toHaveLength(2);
  });

  it('state absent removes without updating, and an unknown package already counts as removed', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/remove/, { exitCode: 100, stderr: 'E: Unable to locate package nope\n' }]]),
    );
    const ctx = createTestContext(transport);
    const run = await runStep(kind, create('x', { host: 'h', name: 'nope', state: 'absent' }), ctx);
    expect(run.recorded).toEqual({ host: 'h', name: 'nope', state: 'absent' });
    expect(transport.commands()).toHaveLength(1);
    expect(ctx.traces()).toEqual(['[system] PACKAGE `nope` absent on h']);
    expect(ctx.warnings()).toEqual([]);
  });

  it('state absent fails on any other apt error', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/remove/, { exitCode: 100, stderr: 'E: Could not get lock\n' }]]),
    );
    const ctx = createTestContext(transport);
    await expect(
      runStep(kind, create('x', { host: 'h', name: 'pkg', state: 'absent' }), ctx),
    ).rejects.toMatchObject({
      code: 'CommandFailed',
      message: 'system_package.x: apt-get remove pkg failed on h (exit 100):\nE: Could not get lock',
    });
    expect(ctx.traces()).toEqual([]);
  });

  it('delete is a best-effort remove: a failure is a warning', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/remove -- pkg$/, { exitCode: 100, stderr: 'E: dpkg was interrupted\n' }]]),
    );
    const ctx = createTestContext(transport);
    await runStep(
      kind,
      {
        action: 'delete',
        kind: 'system_package',
        name: 'x',
        prior: { host: 'h', name: 'pkg', state: 'present' },
      },
      ctx,
    );
    expect(ctx.warnings()).toEqual([
      'system_package.x: apt-get remove pkg on h failed (exit 100); ignored: E: dpkg was interrupted',
    ]);
  });

  it('delete of a package apt does not know is done, without a warning', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        [/remove -- gone$/, { exitCode: 100, stderr: 'E: Unable to locate package gone\n' }],
      ]),
    );
    const ctx = createTestContext(transport);
    await runStep(
      kind,
      { action: 'delete', kind: 'system_package', name: 'gone', prior: { host: 'h' } },
      ctx,
    );
    expect(transport.commands()).toHaveLength(1);
    expect(ctx.warnings()).toEqual([]);
  });
});

describe('system_package hooks', () => {
  const registry = new Registry([createSystemProvider()]);
  const at = { line: 1, column: 1 };
  const withSecretIn = (attr: string) =>
    validateDesired(
      [
        desiredResource(
          'system_package',
          'curl',
          { host: 'root@h', name: 'curl' },
          { block: at, attrs: {}, secretRefs: [{ attr, secret: 's', location: at }] },
        ),
      ],
      registry,
    ).map((d) => d.code);

  it('host and name say which package it is: no secret reference there', () => {
    expect(systemPackageKind.identity).toEqual(['host', 'name']);
    expect(withSecretIn('host')).toEqual(['SecretInUnsupportedAttr']);
    expect(withSecretIn('name')).toEqual(['SecretInUnsupportedAttr']);
  });

  it('claims nothing: two resources may want one package', () => {
    expect(systemPackageKind.claims).toBeUndefined();
  });
});
