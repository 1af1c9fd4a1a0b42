import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
import { parseLineProbe, systemLineKind, systemLineSchema } from './line-kind';
import { createSystemProvider } from './system-provider';

const host = 'root@h';
const kind = systemLineKind;
const shell = createLocalShellTransport();
let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-line-'));
  path = join(dir, 'conf');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const apply = async (attrs: Record<string, unknown>) => {
  const parsed = systemLineSchema.parse({ host, path, ...attrs });
  const ctx = createTestContext(shell);
  const step = await runStep(kind, { action: 'create', kind: 'system_line', name: 'l', attrs: parsed }, ctx);
  return { recorded: step.recorded!, traces: ctx.traces() };
};
const read = (prior: JsonObject) => runProbe(shell, kind.probe!({ kind: 'system_line', name: 'l', prior }));
const text = () => readFile(path, 'utf8');

describe('system_line schema', () => {
  it('takes one line; match is optional and not empty', () => {
    expect(systemLineSchema.parse({ host, path: '/f', line: 'a' })).toEqual({
      host,
      path: '/f',
      line: 'a',
      state: 'present',
    });
    expect(systemLineSchema.safeParse({ host, path: '/f', line: 'a\nb' }).success).toBe(false);
    expect(systemLineSchema.safeParse({ host, path: '/f', line: 'a', match: '' }).success).toBe(false);
  });
  it('two resources wanting one line of one file clash', () => {
    const registry = new Registry([createSystemProvider()]);
    const desired = [
      desiredResource('system_line', 'a', { host, path: '/etc/x', line: 'k=1' }),
      desiredResource('system_line', 'b', { host, path: '/etc/x', line: 'k=1', state: 'absent' }),
    ];
    expect(() => buildPlan(desired, stateWith(), { registry })).toThrow(
      'both use line of a file `/etc/x: k=1`',
    );
  });
});

describe('system_line on a real shell', () => {
  it('appends a missing line once and leaves every other line (and the mode) alone', async () => {
    await writeFile(path, '# comment\n  odd \\t spacing\\\nlast-without-newline');
    await chmod(path, 0o640);
    const { recorded, traces } = await apply({ line: 'PermitRootLogin no' });
    expect(recorded).toEqual({ host, path, line: 'PermitRootLogin no', state: 'present' });
    expect(traces).toEqual([`[system] LINE \`l\` present in ${host}:${path}`]);
    expect(await text()).toBe('# comment\n  odd \\t spacing\\\nlast-without-newline\nPermitRootLogin no\n');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    const before = (await stat(path)).mtimeMs;
    await apply({ line: 'PermitRootLogin no' });
    expect(await text()).toBe('# comment\n  odd \\t spacing\\\nlast-without-newline\nPermitRootLogin no\n');
    expect((await stat(path)).mtimeMs).toBe(before);
    expect(await read(recorded)).toEqual({ status: 'present', attrs: { host, path, state: 'present' } });
  });

  it('replaces the first line `match` finds, in place; regex characters in the line are literal', async () => {
    await writeFile(path, 'a\n#PermitRootLogin yes\nb\nPermitRootLogin yes\n');
    await apply({ line: 'PermitRootLogin no [.*]', match: '^#?PermitRootLogin ' });
    expect(await text()).toBe('a\nPermitRootLogin no [.*]\nb\nPermitRootLogin yes\n');
    await apply({ line: 'PermitRootLogin no [.*]', match: '^#?PermitRootLogin ' });
    expect(await text()).toBe('a\nPermitRootLogin no [.*]\nb\nPermitRootLogin yes\n');
  });

  it('absent removes the line and every line `match` finds; a missing file stays missing', async () => {
    await writeFile(path, 'keep\nx=1\nkeep too\nx = 2\n');
    const { recorded } = await apply({ line: 'x=1', match: '^x *=', state: 'absent' });
    expect(await text()).toBe('keep\nkeep too\n');
    expect(await read(recorded)).toEqual({ status: 'present', attrs: { host, path, state: 'absent' } });
    await writeFile(path, 'x = 3\n');
    expect(await read(recorded)).toEqual({ status: 'present', attrs: { host, path, state: 'present' } });
    await rm(path);
    await apply({ line: 'x=1', state: 'absent' });
    await expect(stat(path)).rejects.toThrow('ENOENT');
    expect(await read(recorded)).toEqual({ status: 'present', attrs: { host, path, state: 'absent' } });
  });

  it('a missing file is created holding the line; drift shows as state absent', async () => {
    const { recorded } = await apply({ line: 'only' });
    expect(await text()).toBe('only\n');
    await writeFile(path, 'other\n');
    expect(await read(recorded)).toEqual({ status: 'present', attrs: { host, path, state: 'absent' } });
  });

  it('delete takes back only the exact line', async () => {
    await writeFile(path, 'a\nmine\nmine-ish\n');
    await runStep(
      kind,
      {
        action: 'delete',
        kind: 'system_line',
        name: 'l',
        prior: { host, path, line: 'mine', match: '^mine', state: 'present' },
      },
      createTestContext(shell),
    );
    expect(await text()).toBe('a\nmine-ish\n');
  });

  it('a directory that does not exist fails with the hint', async () => {
    await rm(dir, { recursive: true });
    const failed = (await apply({ line: 'x' }).catch((e: unknown) => e)) as Error & { hint?: string };
    expect(failed.message).toContain(`system_line.l: edit of ${path} failed on ${host}`);
    expect(failed.hint).toContain('directory exists');
  });

  it('keeps any line byte for byte (fuzzed)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', maxLength: 40 }).filter((l) => !/[\0\n\r]/.test(l)),
        async (line) => {
          await writeFile(path, 'first\n');
          await apply({ line });
          expect(await text()).toBe(`first\n${line}\n`);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('system_line probe parser', () => {
  const target = { host, path: '/f', state: 'present' };
  it('reads counts and tells failures apart; never throws', () => {
    expect(parseLineProbe(target, 'LINES|2|0\n', 0)).toEqual({
      status: 'present',
      attrs: { host, path: '/f', state: 'present' },
    });
    expect(parseLineProbe({ ...target, state: 'absent' }, 'LINES|0|1\n', 0)).toMatchObject({
      attrs: { state: 'present' },
    });
    expect(parseLineProbe(target, 'awk: cannot open /f (Permission denied)\n', 2)).toEqual({
      status: 'unknown',
      reason: 'system_line read of /f on root@h failed (exit 2): "awk: cannot open /f (Permission denied)"',
    });
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 100 }),
        fc.integer({ min: 0, max: 255 }),
        (out, code) => {
          expect(['present', 'unknown']).toContain(parseLineProbe(target, out, code).status);
        },
      ),
    );
  });
});
