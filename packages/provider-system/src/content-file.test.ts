import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JsonObject, prepareDesired, Registry } from '@stratum/core';
import { InvalidAttributeError, LOCAL_TEXT_LIMIT } from '@stratum/core/kit';
import { desiredResource } from '@stratum/core/test';
import { afterAll, describe, expect, it } from 'vitest';
import { systemFileKind } from './file-kind';
import { createSystemProvider } from './system-provider';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'stratum-content-file-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'traefik.yml'), 'entryPoints:\n  web:\n    address: ":80"\n');
writeFileSync(join(dir, 'binary.bin'), new Uint8Array([0xc3, 0x28]));
mkdirSync(join(dir, 'files'));

/**
 * `system_file`'s prepare, as config loading runs it for a resource declared
 * in `baseDir` (`null`: none). It reads synchronously: a result, never a promise.
 */
function prepare(attrs: JsonObject, baseDir: string | null = dir): JsonObject {
  return systemFileKind.prepare!(attrs, {
    kind: 'system_file',
    name: 'f',
    baseDir: baseDir ?? undefined,
  }) as JsonObject;
}

/** The error `prepare` throws for `attrs`. */
function refusal(attrs: JsonObject, baseDir: string | null = dir): InvalidAttributeError {
  try {
    prepare(attrs, baseDir);
  } catch (error) {
    if (InvalidAttributeError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('prepare accepted the attrs');
}

describe('system_file prepare: content_file', () => {
  it('reads the file relative to the declaring config’s directory into `content`, and drops content_file', () => {
    const attrs = {
      host: 'root@h',
      path: '/etc/traefik/traefik.yml',
      content_file: 'traefik.yml',
      mode: '0644',
    };
    expect(prepare(attrs)).toEqual({
      host: 'root@h',
      path: '/etc/traefik/traefik.yml',
      content: 'entryPoints:\n  web:\n    address: ":80"\n',
      mode: '0644',
    });
    // The attrs as written stay as they were.
    expect(attrs.content_file).toBe('traefik.yml');
  });

  it('takes a path below the config’s directory', () => {
    writeFileSync(join(dir, 'files', 'motd'), 'hello\n');
    expect(prepare({ content_file: 'files/motd' })).toEqual({ content: 'hello\n' });
  });

  it('accepts an absolute path, also without a base directory', () => {
    expect(prepare({ content_file: join(dir, 'traefik.yml') }, null).content).toContain('entryPoints');
  });

  it('keeps the bytes as they are: a BOM, CRLF and no final newline', () => {
    writeFileSync(join(dir, 'bom.txt'), '\ufeffa\r\nb');
    expect(prepare({ content_file: 'bom.txt' })).toEqual({ content: '\ufeffa\r\nb' });
  });

  it('an empty file is empty content', () => {
    writeFileSync(join(dir, 'empty'), '');
    expect(prepare({ content_file: 'empty' })).toEqual({ content: '' });
  });

  it('leaves attrs without content_file alone', () => {
    const attrs = { host: 'root@h', path: '/x', content: 'inline' };
    expect(prepare(attrs)).toBe(attrs);
  });

  it('ContentConflict when both content and content_file are set', () => {
    const error = refusal({ content: 'x', content_file: 'traefik.yml' });
    expect(error).toMatchObject({
      code: 'ContentConflict',
      attr: 'content_file',
      message: '`system_file` sets both `content` and `content_file`',
      hint: 'keep one: inline `content`, or `content_file` to read it from a local file',
    });
  });

  it('ContentConflict also for an empty inline content', () => {
    expect(refusal({ content: '', content_file: 'traefik.yml' }).code).toBe('ContentConflict');
  });

  it('ContentFileNoBaseDir for a relative path when the config has no base directory', () => {
    expect(refusal({ content_file: 'traefik.yml' }, null)).toMatchObject({
      code: 'ContentFileNoBaseDir',
      attr: 'content_file',
      message:
        '`system_file.content_file` path `traefik.yml` is relative, but this config has no base directory',
    });
  });

  it('ContentFileMissing for a missing file', () => {
    expect(refusal({ content_file: 'files/nope.yml' })).toMatchObject({
      code: 'ContentFileMissing',
      attr: 'content_file',
      message: `cannot read \`content_file\` \`${join(dir, 'files/nope.yml')}\`: no such file or directory`,
    });
  });

  it('ContentFileMissing for a file that is not UTF-8', () => {
    expect(refusal({ content_file: 'binary.bin' })).toMatchObject({
      code: 'ContentFileMissing',
      message: `\`content_file\` \`${join(dir, 'binary.bin')}\` is not valid UTF-8`,
    });
  });

  it('ContentFileMissing for a directory', () => {
    expect(refusal({ content_file: '.' })).toMatchObject({
      code: 'ContentFileMissing',
      message: `cannot read \`content_file\` \`${dir}\`: it is a directory`,
    });
  });

  it('ContentFileMissing for a FIFO, without waiting for a writer', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    expect(refusal({ content_file: 'fifo' })).toMatchObject({
      code: 'ContentFileMissing',
      message: `cannot read \`content_file\` \`${fifo}\`: not a regular file (a device or a pipe)`,
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('ContentFileMissing for /dev/zero, without reading forever', () => {
    expect(refusal({ content_file: '/dev/zero' }, null)).toMatchObject({
      code: 'ContentFileMissing',
      message: 'cannot read `content_file` `/dev/zero`: not a regular file (a device or a pipe)',
    });
  });

  it('ContentFileMissing for a file over the size limit, pointing at system_dir', () => {
    const big = join(dir, 'big.txt');
    writeFileSync(big, '');
    truncateSync(big, LOCAL_TEXT_LIMIT + 1);
    const error = refusal({ content_file: 'big.txt' });
    expect(error).toMatchObject({
      code: 'ContentFileMissing',
      message: `cannot read \`content_file\` \`${big}\`: it is ${LOCAL_TEXT_LIMIT + 1} bytes, more than the ${LOCAL_TEXT_LIMIT} bytes allowed`,
    });
    expect(error.hint).toContain('system_dir');
  });

  it('a file of exactly the limit is read', () => {
    const edge = join(dir, 'edge.txt');
    writeFileSync(edge, '');
    truncateSync(edge, LOCAL_TEXT_LIMIT);
    expect((prepare({ content_file: 'edge.txt' }).content as string).length).toBe(LOCAL_TEXT_LIMIT);
  });

  it.each([
    ['a list', ['a']],
    ['a number', 1],
    ['null', null],
    ['an empty string', ''],
  ])('BadLocalPath for a content_file that is %s', (what, value) => {
    expect(refusal({ content_file: value })).toMatchObject({
      code: 'BadLocalPath',
      attr: 'content_file',
      message: `\`system_file.content_file\` must be a string path, found ${what}`,
    });
  });

  it('as config loading runs it: the diagnostic points at content_file, and the schema then sees content', async () => {
    const at = { file: 'f.strat', line: 4, column: 3 };
    const source = (attrs: Record<string, typeof at>) => ({ dir, block: { ...at, line: 1 }, attrs });
    const registry = new Registry([createSystemProvider()]);
    const prepared = await prepareDesired(
      [
        desiredResource(
          'system_file',
          'ok',
          { host: 'root@h', path: '/etc/t.yml', content_file: 'traefik.yml' },
          source({ content_file: at }),
        ),
        desiredResource(
          'system_file',
          'bad',
          { host: 'root@h', path: '/etc/t.yml', content: 'x', content_file: 'traefik.yml' },
          source({ content_file: at }),
        ),
      ],
      registry,
    );
    expect(prepared.resources[0]!.attrs).toEqual({
      host: 'root@h',
      path: '/etc/t.yml',
      content: 'entryPoints:\n  web:\n    address: ":80"\n',
    });
    expect(prepared.diagnostics).toEqual([
      expect.objectContaining({
        code: 'ContentConflict',
        message: 'system_file.bad: `system_file` sets both `content` and `content_file`',
        location: at,
      }),
    ]);
  });
});
