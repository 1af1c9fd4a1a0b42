import { mkdir, mkdtemp, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@stratum/core';
import { buildPlan, Registry } from '@stratum/core';
import {
  createLocalShellTransport,
  createTestContext,
  desiredResource,
  runStep,
  stateWith,
} from '@stratum/core/test';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runProbe } from './__tests__/probe';
import { parseSymlinkProbe, systemSymlinkKind, systemSymlinkSchema } from './symlink-kind';
import { createSystemProvider } from './system-provider';

const host = 'root@h';
const kind = systemSymlinkKind;
const shell = createLocalShellTransport();
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-symlink-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const run = (action: 'create' | 'update', attrs: Record<string, unknown>, prior = {}) =>
  runStep(
    kind,
    { action, kind: 'system_symlink', name: 'l', attrs: systemSymlinkSchema.parse(attrs), prior },
    createTestContext(shell),
  );
const read = (prior: JsonObject) =>
  runProbe(shell, kind.probe!({ kind: 'system_symlink', name: 'l', prior }));

describe('system_symlink schema', () => {
  it('needs an absolute path and a target; force defaults to false', () => {
    expect(systemSymlinkSchema.parse({ host, path: '/a', target: 'b' })).toEqual({
      host,
      path: '/a',
      target: 'b',
      force: false,
    });
    expect(systemSymlinkSchema.safeParse({ host, path: 'a', target: 'b' }).success).toBe(false);
    expect(systemSymlinkSchema.safeParse({ host, path: '/a', target: '' }).success).toBe(false);
    expect(systemSymlinkSchema.safeParse({ host, path: '/a', target: 'x\ny' }).success).toBe(false);
  });

  it('claims its path in the space of files, so a file and a link at one path clash', () => {
    const registry = new Registry([createSystemProvider()]);
    const desired = [
      desiredResource('system_symlink', 'l', { host, path: '/etc/x', target: '/y' }),
      desiredResource('system_file', 'f', { host, path: '/etc/x', content: '' }),
    ];
    expect(() => buildPlan(desired, stateWith(), { registry })).toThrow('both use file path `/etc/x`');
  });
});

describe('system_symlink on a real shell', () => {
  it('creates the link (and its directory), reads it back, leaves a right link alone', async () => {
    const path = join(dir, 'sub', 'link');
    const step = await run('create', { host, path, target: '/etc/hostname' });
    expect(step.recorded).toEqual({ host, path, target: '/etc/hostname', force: false });
    expect(await readlink(path)).toBe('/etc/hostname');
    expect(await read({ host, path })).toEqual({
      status: 'present',
      attrs: { host, path, target: '/etc/hostname' },
    });
    await run('update', { host, path, target: '/etc/hostname' }, step.recorded!);
    expect(await readlink(path)).toBe('/etc/hostname');
  });

  it('replaces a wrong link, also one to a directory', async () => {
    const path = join(dir, 'link');
    await mkdir(join(dir, 'd'));
    await symlink(join(dir, 'd'), path);
    await run('create', { host, path, target: 'relative target' });
    expect(await readlink(path)).toBe('relative target');
  });

  it('refuses a regular file or a directory unless force, and says what to do', async () => {
    const path = join(dir, 'file');
    await writeFile(path, 'keep me');
    const error = await run('create', { host, path, target: '/x' }).catch((e: Error) => e);
    expect(String(error)).toContain(`system_symlink.l: link of ${path} failed on ${host} (exit 3)`);
    expect(String(error)).toContain('is not a symbolic link');
    expect((error as { hint?: string }).hint).toContain('set `force = true` to replace it');
    expect(await read({ host, path })).toEqual({ status: 'present', attrs: { host, path, target: null } });

    await mkdir(join(dir, 'dir'));
    await expect(run('create', { host, path: join(dir, 'dir'), target: '/x' })).rejects.toThrow('exit 3');
    await run('create', { host, path: join(dir, 'dir'), target: '/x', force: true });
    expect(await readlink(join(dir, 'dir'))).toBe('/x');
  });

  it('moves: the old link goes; delete removes only a link', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    const first = await run('create', { host, path: a, target: '/x' });
    await run('update', { host, path: b, target: '/x' }, first.recorded!);
    expect(await read({ host, path: a })).toEqual({ status: 'absent' });
    await runStep(
      kind,
      { action: 'delete', kind: 'system_symlink', name: 'l', prior: { host, path: b } },
      createTestContext(shell),
    );
    expect(await read({ host, path: b })).toEqual({ status: 'absent' });
    await writeFile(a, 'not a link');
    await runStep(
      kind,
      { action: 'delete', kind: 'system_symlink', name: 'l', prior: { host, path: a } },
      createTestContext(shell),
    );
    expect(await read({ host, path: a })).toMatchObject({ status: 'present' });
  });
});

describe('system_symlink probe parser', () => {
  const where = { host, path: '/p' };
  it('tells missing, a link, something else and garbage apart', () => {
    expect(parseSymlinkProbe(where, 'MISSING\n', 0)).toEqual({ status: 'absent' });
    expect(parseSymlinkProbe(where, 'LINK|/t\n', 0)).toEqual({
      status: 'present',
      attrs: { ...where, target: '/t' },
    });
    expect(parseSymlinkProbe(where, 'LINK|\n', 0).status).toBe('unknown');
    expect(parseSymlinkProbe(where, 'readlink: Permission denied\n', 1)).toEqual({
      status: 'unknown',
      reason: 'system_symlink read of /p on root@h failed (exit 1): "readlink: Permission denied"',
    });
  });
  it('never throws and reads back any target it printed', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.integer({ min: 0, max: 255 }),
        (out, code) => {
          expect(['present', 'absent', 'unknown']).toContain(parseSymlinkProbe(where, out, code).status);
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((t) => !/[\0\n]/.test(t)),
        (target) => {
          expect(parseSymlinkProbe(where, `LINK|${target}\n`, 0)).toEqual({
            status: 'present',
            attrs: { ...where, target },
          });
        },
      ),
    );
  });
});
