import { CommandFailedError } from '@stratum/core';
import { createRecordingTransport, createTestContext, respondByCommand } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { parsePackageProbe, systemPackageSchema } from './package-kind';
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
  const provider = () => createSystemProvider().kinds.system_package!;
  const okApt = respondByCommand([[/apt-get/, '']]);

  it('runs apt-get update once per host before the first install, then installs', async () => {
    const transport = createRecordingTransport(okApt);
    const ctx = createTestContext(transport);
    const kind = provider();
    const req = (name: string, host: string) => ({
      kind: 'system_package',
      name,
      attrs: systemPackageSchema.parse({ host }),
      raw: {},
    });
    expect(await kind.create(req('curl', 'root@a'), ctx)).toEqual({
      host: 'root@a',
      name: 'curl',
      state: 'present',
    });
    await kind.create(req('git', 'root@a'), ctx);
    await kind.create(req('git', 'root@b'), ctx);
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

  it('a failed update is not remembered, and the error names host, step and stderr', async () => {
    let fail = true;
    const transport = createRecordingTransport(
      respondByCommand([
        [/ update$/, () => (fail ? { exitCode: 100, stderr: 'E: Could not get lock\n' } : '')],
        [/install/, ''],
      ]),
    );
    const ctx = createTestContext(transport);
    const kind = provider();
    const request = {
      kind: 'system_package',
      name: 'docker',
      attrs: { host: 'root@a', name: 'docker.io', state: 'present' as const },
      raw: {},
    };
    const error = await kind.create(request, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandFailedError);
    expect((error as CommandFailedError).code).toBe('CommandFailed');
    expect((error as Error).message).toBe(
      'system_package.docker: apt-get update failed on root@a (exit 100):\nE: Could not get lock',
    );
    expect((error as CommandFailedError).hint).toMatch(/apt sources/);
    fail = false;
    await kind.create(request, ctx);
    expect(transport.commands().filter((c) => c.endsWith(' update'))).toHaveLength(2);
  });

  it('state absent removes without updating, and an unknown package already counts as removed', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/remove/, { exitCode: 100, stderr: 'E: Unable to locate package nope\n' }]]),
    );
    const ctx = createTestContext(transport);
    const attrs = systemPackageSchema.parse({ host: 'h', name: 'nope', state: 'absent' });
    expect(await provider().create({ kind: 'system_package', name: 'x', attrs, raw: {} }, ctx)).toEqual({
      host: 'h',
      name: 'nope',
      state: 'absent',
    });
    expect(transport.commands()).toHaveLength(1);
    expect(ctx.traces()).toEqual(['[system] PACKAGE `nope` absent on h']);
  });

  it('delete is a best-effort remove', async () => {
    const transport = createRecordingTransport(respondByCommand([[/remove -- pkg$/, { exitCode: 100 }]]));
    const ctx = createTestContext(transport);
    await provider().delete(
      { kind: 'system_package', name: 'x', prior: { host: 'h', name: 'pkg', state: 'present' } },
      ctx,
    );
    expect(ctx.warnings()).toHaveLength(1);
  });
});
