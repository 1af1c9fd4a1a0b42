import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidAttributeError } from '../invalid-attribute';
import type { LocalContext } from '../provider';
import {
  decodeUtf8,
  describeFsError,
  LOCAL_TEXT_LIMIT,
  localDirectory,
  localPath,
  readBoundedFile,
  readLocalText,
} from './local-files';

const CODES = { noBaseDir: 'NoBaseDir', missing: 'LocalFileUnreadable' };
const HANG = 5_000;

let dir: string;
let fifo: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stratum-kit-'));
  mkdirSync(join(dir, 'files'));
  writeFileSync(join(dir, 'files', 'motd.txt'), 'hello\n');
  writeFileSync(join(dir, 'bom.txt'), '\uFEFFtext');
  writeFileSync(join(dir, 'big.txt'), 'x'.repeat(100));
  writeFileSync(join(dir, 'binary.bin'), Buffer.from([0x68, 0xff, 0xfe, 0x00]));
  fifo = join(dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  symlinkSync(fifo, join(dir, 'link-to-pipe'));
  symlinkSync(join(dir, 'files'), join(dir, 'link-to-files'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const local = (baseDir: string | undefined): LocalContext => ({ kind: 'demo_file', name: 'motd', baseDir });

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

describe('readBoundedFile', () => {
  it('returns the bytes of a regular file within the limit', () => {
    expect(readBoundedFile(join(dir, 'files', 'motd.txt'), 6).toString('utf8')).toBe('hello\n');
  });

  it('refuses a FIFO without a writer, without hanging', { timeout: HANG }, () => {
    const error = thrown(() => readBoundedFile(fifo, LOCAL_TEXT_LIMIT));
    expect(codeOf(error)).toBe('ENOTREGULAR');
    expect(describeFsError(error)).toBe('not a regular file (a device or a pipe)');
    expect(codeOf(thrown(() => readBoundedFile(join(dir, 'link-to-pipe'), 100)))).toBe('ENOTREGULAR');
  });

  it('refuses /dev/zero without reading it', { timeout: HANG }, () => {
    const error = thrown(() => readBoundedFile('/dev/zero', LOCAL_TEXT_LIMIT));
    expect(codeOf(error)).toBe('ENOTREGULAR');
  });

  it('refuses a directory', { timeout: HANG }, () => {
    const error = thrown(() => readBoundedFile(join(dir, 'files'), 100));
    expect(codeOf(error)).toBe('EISDIR');
    expect(describeFsError(error)).toBe('it is a directory');
  });

  it('refuses a file over the limit, saying both sizes', { timeout: HANG }, () => {
    const error = thrown(() => readBoundedFile(join(dir, 'big.txt'), 99));
    expect(codeOf(error)).toBe('EFBIG');
    expect(describeFsError(error)).toBe('it is 100 bytes, more than the 99 bytes allowed');
    expect(readBoundedFile(join(dir, 'big.txt'), 100)).toHaveLength(100);
  });

  it('fails with ENOENT for a missing file', () => {
    const error = thrown(() => readBoundedFile(join(dir, 'nope'), 100));
    expect(codeOf(error)).toBe('ENOENT');
    expect(describeFsError(error)).toBe('no such file or directory');
  });
});

describe('describeFsError', () => {
  it('says the common codes in words and falls back to the code or message', () => {
    const err = (code: string) => Object.assign(new Error('x'), { code });
    expect(describeFsError(err('EACCES'))).toBe('permission denied');
    expect(describeFsError(err('EPERM'))).toBe('permission denied');
    expect(describeFsError(err('ENOTDIR'))).toBe('a parent of it is not a directory');
    expect(describeFsError(err('ELOOP'))).toBe('too many levels of symbolic links');
    expect(describeFsError(err('EIO'))).toBe('EIO');
    expect(describeFsError(new Error('odd'))).toBe('odd');
    expect(describeFsError('text')).toBe('text');
  });
});

describe('localPath', () => {
  it('resolves a relative path against the base directory and keeps an absolute one', () => {
    expect(localPath('content_file', 'files/motd.txt', local('/cfg'), CODES)).toBe('/cfg/files/motd.txt');
    expect(localPath('content_file', '../x', local('/cfg/sub'), CODES)).toBe('/cfg/x');
    expect(localPath('content_file', '/etc/motd', local('/cfg'), CODES)).toBe('/etc/motd');
    expect(localPath('content_file', '/etc/motd', local(undefined), CODES)).toBe('/etc/motd');
  });

  it('refuses a relative path without a base directory, with the given code', () => {
    const error = thrown(() => localPath('content_file', 'motd.txt', local(undefined), CODES));
    expect(InvalidAttributeError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'NoBaseDir',
      attr: 'content_file',
      message: '`demo_file.content_file` path `motd.txt` is relative, but this config has no base directory',
    });
  });

  it('refuses what is not a non-empty string, as BadLocalPath', () => {
    for (const [value, found] of [
      [42, 'a number'],
      ['', 'an empty string'],
      [null, 'null'],
      [['a'], 'a list'],
      [{ a: 1 }, 'a map'],
      [true, 'a bool'],
    ] as const) {
      const error = thrown(() => localPath('content_file', value as never, local('/cfg'), CODES));
      expect(error).toMatchObject({
        code: 'BadLocalPath',
        attr: 'content_file',
        message: `\`demo_file.content_file\` must be a string path, found ${found}`,
      });
    }
  });
});

describe('readLocalText', () => {
  it('reads a file relative to the base directory, or by absolute path', () => {
    expect(readLocalText('content_file', 'files/motd.txt', local(dir), CODES)).toBe('hello\n');
    expect(readLocalText('content_file', join(dir, 'files', 'motd.txt'), local(undefined), CODES)).toBe(
      'hello\n',
    );
  });

  it('keeps a BOM: the bytes are the content', () => {
    expect(readLocalText('content_file', 'bom.txt', local(dir), CODES)).toBe('\uFEFFtext');
  });

  it('refuses a relative path when the config has no base directory', () => {
    expect(
      thrown(() => readLocalText('content_file', 'files/motd.txt', local(undefined), CODES)),
    ).toMatchObject({
      code: 'NoBaseDir',
    });
  });

  const refusal = (value: string, limit?: number) =>
    thrown(() => readLocalText('content_file', value, local(dir), CODES, limit)) as InvalidAttributeError;

  it('refuses a missing file, naming the path', () => {
    const error = refusal('files/nope.txt');
    expect(InvalidAttributeError.isInstance(error)).toBe(true);
    expect(error.code).toBe('LocalFileUnreadable');
    expect(error.attr).toBe('content_file');
    expect(error.message).toBe(
      `cannot read \`content_file\` \`${join(dir, 'files/nope.txt')}\`: no such file or directory`,
    );
    expect(error.hint).toMatch(/relative to the .strat file/);
  });

  it('refuses a directory', { timeout: HANG }, () => {
    expect(refusal('files').message).toBe(
      `cannot read \`content_file\` \`${join(dir, 'files')}\`: it is a directory`,
    );
  });

  it('refuses a FIFO', { timeout: HANG }, () => {
    expect(refusal('pipe').message).toBe(
      `cannot read \`content_file\` \`${fifo}\`: not a regular file (a device or a pipe)`,
    );
  });

  it('refuses /dev/zero', { timeout: HANG }, () => {
    expect(refusal('/dev/zero').message).toBe(
      'cannot read `content_file` `/dev/zero`: not a regular file (a device or a pipe)',
    );
  });

  it('refuses a file over the limit', { timeout: HANG }, () => {
    const error = refusal('big.txt', 10);
    expect(error.message).toBe(
      `cannot read \`content_file\` \`${join(dir, 'big.txt')}\`: it is 100 bytes, more than the 10 bytes allowed`,
    );
    expect(error.code).toBe('LocalFileUnreadable');
  });

  it('refuses bytes that are not UTF-8', { timeout: HANG }, () => {
    const error = refusal('binary.bin');
    expect(error.message).toBe(`\`content_file\` \`${join(dir, 'binary.bin')}\` is not valid UTF-8`);
    expect(error.code).toBe('LocalFileUnreadable');
  });
});

describe('localDirectory', () => {
  it('returns the canonical absolute directory, symlinks resolved', () => {
    expect(localDirectory('source_dir', 'link-to-files', local(dir), CODES)).toBe(
      execFileSync('realpath', [join(dir, 'files')])
        .toString()
        .trim(),
    );
  });

  it('refuses a missing path and what is not a directory', { timeout: HANG }, () => {
    const missing = thrown(() =>
      localDirectory('source_dir', 'nope', local(dir), CODES),
    ) as InvalidAttributeError;
    expect(missing.message).toBe(
      `\`source_dir\` \`${join(dir, 'nope')}\` does not exist: no such file or directory`,
    );
    expect(missing.code).toBe('LocalFileUnreadable');
    const file = thrown(() =>
      localDirectory('source_dir', 'big.txt', local(dir), CODES),
    ) as InvalidAttributeError;
    expect(file.message).toBe(`\`source_dir\` \`${join(dir, 'big.txt')}\` is not a directory`);
    const pipe = thrown(() =>
      localDirectory('source_dir', 'pipe', local(dir), CODES),
    ) as InvalidAttributeError;
    expect(pipe.message).toBe(`\`source_dir\` \`${fifo}\` is not a directory`);
  });
});

describe('decodeUtf8', () => {
  it('decodes valid UTF-8 and answers undefined otherwise', () => {
    expect(decodeUtf8(Buffer.from('grüße', 'utf8'))).toBe('grüße');
    expect(decodeUtf8(new Uint8Array([0xc3]))).toBeUndefined();
    expect(decodeUtf8(new Uint8Array([]))).toBe('');
  });
});
