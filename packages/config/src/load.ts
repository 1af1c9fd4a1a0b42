import { dirname, resolve } from 'node:path';
import { describeFsError, readBoundedFile } from '@stratum/core/kit';
import type { Span } from './ast';
import { ConfigError } from './errors';
import { extract, type ParsedUnit } from './evaluate/extract';
import type { Extracted, LoadOptions, ParsedDocuments } from './extracted';
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
  // Read and parse file by file, so the first file's syntax error wins over a later unreadable file.
  const parsed = paths.map((path) =>
    parseSource({ file: path, source: readConfigFile(path) }, options.parsed),
  );
  return extract(parsed, options, [...paths]);
}

/** One config file's text, for {@link loadSources}. */
export interface ConfigSource {
  /** The name spans and messages use (and that tells duplicates apart), such as `app.strat`. */
  file: string;
  source: string;
  /** What the file's relative paths resolve against; defaults to the directory of `file`. */
  baseDir?: string | undefined;
}

/**
 * Loads several files' texts as one config, as {@link loadFiles} loads them
 * from disk: for a program that holds the texts itself (an editor's unsaved
 * buffers). Each is parsed on its own and all are evaluated together.
 *
 * @throws {ConfigError} on the first syntax or evaluation problem.
 */
export function loadSources(sources: readonly ConfigSource[], options: LoadOptions = {}): Extracted {
  return extract(
    sources.map((source) => parseSource(source, options.parsed)),
    options,
    sources.map((source) => source.file),
  );
}

function parseSource(
  { file, source, baseDir }: ConfigSource,
  parsed: ParsedDocuments | undefined,
): ParsedUnit {
  const unit = { file, source, baseDir: resolve(baseDir ?? dirname(resolve(file))) };
  const known = parsed?.get(file, source);
  if (known !== undefined) return { unit, document: known };
  const document = parse(source, file);
  parsed?.set(file, source, document);
  return { unit, document };
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
