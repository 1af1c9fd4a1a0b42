import { dirname, resolve } from 'node:path';
import { describeFsError, readBoundedFile } from '@stratum/core/kit';
import type { Span } from './ast';
import { ConfigError } from './errors';
import { extract, type ParsedUnit } from './evaluate/extract';
import type { Extracted, LoadOptions } from './extracted';
import { parse } from './parse';

/**
 * Loads a config from a string. Relative `content_file`, `source_dir` and
 * `from_file` paths need `options.baseDir`; `options.file` names the input
 * in spans and messages.
 *
 * @throws {ConfigError} on the first syntax or evaluation problem.
 */
export function loadStr(source: string, options: LoadOptions = {}): Extracted {
  const file = options.file;
  const baseDir = options.baseDir === undefined ? undefined : resolve(options.baseDir);
  const unit = { file, source, baseDir };
  return extract([{ unit, document: parse(source, file) }], options, file === undefined ? [] : [file]);
}

/**
 * Loads one `.strat` file. Its relative paths resolve against its directory.
 *
 * @throws {ConfigError} when the file cannot be read, or on the first syntax or evaluation problem.
 */
export function loadFile(path: string, options: LoadOptions = {}): Extracted {
  return loadFiles([path], options);
}

/**
 * Loads several `.strat` files as one config: each is parsed on its own, then
 * their blocks are evaluated together, so a host or secret declared in one
 * file can be referenced from another. A name declared twice is an error
 * naming both files. Each file's relative paths resolve against its own directory.
 *
 * @throws {ConfigError} when a file cannot be read, or on the first syntax or evaluation problem.
 */
export function loadFiles(paths: readonly string[], options: LoadOptions = {}): Extracted {
  const parsed: ParsedUnit[] = paths.map((path) => {
    const source = readConfigFile(path);
    return { unit: { file: path, source, baseDir: dirname(resolve(path)) }, document: parse(source, path) };
  });
  return extract(parsed, options, [...paths]);
}

/** A leading byte-order mark is dropped; anything but UTF-8 is refused. */
const configDecoder = new TextDecoder('utf-8', { fatal: true });

/** A config file larger than this is not a config (or is a device such as `/dev/zero`). */
const CONFIG_FILE_LIMIT = 64 * 1024 * 1024;

function readConfigFile(path: string): string {
  const at: Span = {
    file: path,
    start: { offset: 0, line: 0, column: 0 },
    end: { offset: 0, line: 0, column: 0 },
  };
  let bytes: Uint8Array;
  try {
    bytes = readBoundedFile(path, CONFIG_FILE_LIMIT);
  } catch (err) {
    throw new ConfigError(
      'ConfigFileUnreadable',
      `cannot read config file \`${path}\`: ${describeFsError(err)}`,
      at,
      {
        hint: 'check the path (it is relative to the working directory) and its permissions',
        cause: err,
      },
    );
  }
  try {
    return configDecoder.decode(bytes);
  } catch (err) {
    throw new ConfigError('ConfigFileUnreadable', `config file \`${path}\` is not valid UTF-8`, at, {
      hint: 'save the file as UTF-8',
      cause: err,
    });
  }
}
