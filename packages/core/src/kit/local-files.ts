import {
  closeSync,
  constants as fs,
  fstatSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InvalidAttributeError } from '../invalid-attribute';
import type { LocalContext } from '../provider';
import type { JsonValue } from '../types';

/**
 * Local files a config names (`content_file`, `source_dir`), for kinds'
 * `prepare`. Relative paths resolve against the directory of the config file
 * that declares the resource, never the working directory.
 */

/** The largest local file inlined as text: state keeps the content, so it must stay a sane size. */
export const LOCAL_TEXT_LIMIT = 16 * 1024 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Thrown by {@link readBoundedFile} for what is not a regular file (a FIFO, a device, a directory). */
const NOT_REGULAR = 'ENOTREGULAR';
/** Thrown by {@link readBoundedFile} for a file over its limit. */
const TOO_BIG = 'EFBIG';

/**
 * The bytes of a local file, refusing what could never end or would not fit:
 * a FIFO, a device (`/dev/zero`, `/dev/urandom`), a directory, or a regular
 * file of more than `limit` bytes. The file is opened without blocking (a FIFO
 * with no writer would hang the open itself) and checked before it is read.
 * Errors carry a `code` that {@link describeFsError} turns into words.
 */
export function readBoundedFile(path: string, limit: number): Buffer {
  const fd = openSync(path, fs.O_RDONLY | fs.O_NONBLOCK);
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw Object.assign(new Error(`${path} is a directory`), { code: 'EISDIR' });
    if (!stats.isFile())
      throw Object.assign(new Error(`${path} is not a regular file`), { code: NOT_REGULAR });
    if (stats.size > limit) {
      throw Object.assign(new Error(`${path} is ${stats.size} bytes`), {
        code: TOO_BIG,
        size: stats.size,
        limit,
      });
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A short reason for a failed file operation (`no such file or directory`), never file content. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case NOT_REGULAR:
      return 'not a regular file (a device or a pipe)';
    case TOO_BIG: {
      const { size, limit } = error as { size: number; limit: number };
      return `it is ${size} bytes, more than the ${limit} bytes allowed`;
    }
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a parent of it is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}

/** What to call the codes of a local path attribute's errors. */
export interface LocalPathCodes {
  /** The path is relative and the config has no base directory. */
  readonly noBaseDir: string;
  /** The path does not name what it should. */
  readonly missing: string;
  /** What to do instead with a file too large or not text to inline (the kind knows its alternative). */
  readonly otherwise?: string | undefined;
}

/**
 * `value` as an absolute path: as it is when absolute, else against the
 * declaring config's directory. Throws `BadLocalPath` for a non-string.
 */
export function localPath(
  attr: string,
  value: JsonValue,
  local: LocalContext,
  codes: LocalPathCodes,
): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidAttributeError(
      'BadLocalPath',
      attr,
      `\`${local.kind}.${attr}\` must be a string path, found ${describe(value)}`,
      { hint: `write a path relative to this file, e.g. \`${attr} = "files/example"\`` },
    );
  }
  if (isAbsolute(value)) return value;
  if (local.baseDir === undefined) {
    throw new InvalidAttributeError(
      codes.noBaseDir,
      attr,
      `\`${local.kind}.${attr}\` path \`${value}\` is relative, but this config has no base directory`,
      { hint: 'load the config with loadFile, or pass `baseDir` to loadStr' },
    );
  }
  return resolve(local.baseDir, value);
}

/**
 * Reads a local text file named by `attr`. Refuses what is not a regular file
 * (a FIFO or `/dev/zero` would never end), files over {@link LOCAL_TEXT_LIMIT}
 * and bytes that are not UTF-8, each with a message naming the path.
 */
export function readLocalText(
  attr: string,
  value: JsonValue,
  local: LocalContext,
  codes: LocalPathCodes,
  limit = LOCAL_TEXT_LIMIT,
): string {
  const path = localPath(attr, value, local, codes);
  let bytes: Buffer;
  try {
    bytes = readBoundedFile(path, limit);
  } catch (error) {
    throw new InvalidAttributeError(
      codes.missing,
      attr,
      `cannot read \`${attr}\` \`${path}\`: ${describeFsError(error)}`,
      {
        hint:
          (error as NodeJS.ErrnoException).code === TOO_BIG
            ? (codes.otherwise ?? 'upload large files as a directory tree instead of inlining them')
            : 'the path is relative to the .strat file that declares it; check it exists and is a readable regular file',
        cause: error,
      },
    );
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    throw new InvalidAttributeError(codes.missing, attr, `\`${attr}\` \`${path}\` is not valid UTF-8`, {
      hint: `the content is text; ${codes.otherwise ?? 'upload binary files as a directory tree instead'}`,
    });
  }
  return text;
}

/** The bytes as text, or `undefined` when they are not valid UTF-8. A BOM is kept: the bytes are the content. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A local directory named by `attr`, made absolute and canonical (symlinks resolved). */
export function localDirectory(
  attr: string,
  value: JsonValue,
  local: LocalContext,
  codes: LocalPathCodes,
): string {
  const path = localPath(attr, value, local, codes);
  let real: string;
  let isDirectory: boolean;
  try {
    real = realpathSync(path);
    isDirectory = statSync(real).isDirectory();
  } catch (error) {
    throw new InvalidAttributeError(
      codes.missing,
      attr,
      `\`${attr}\` \`${path}\` does not exist: ${describeFsError(error)}`,
      {
        hint: 'the path is relative to the .strat file that declares it; check the directory exists',
        cause: error,
      },
    );
  }
  if (!isDirectory) {
    throw new InvalidAttributeError(codes.missing, attr, `\`${attr}\` \`${path}\` is not a directory`, {
      hint: 'point it at a directory',
    });
  }
  return real;
}

function describe(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (value === '') return 'an empty string';
  return typeof value === 'boolean' ? 'a bool' : `a ${typeof value}`;
}
