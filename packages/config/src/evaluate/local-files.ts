import { readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { JsonObject, JsonValue } from '@stratum/core';
import type { Span } from '../ast';
import type { ConfigErrorCode } from '../errors';
import type { EvalContext, SourceUnit } from './context';
import { describeJson, getOwn, setOwn } from './json';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as text, or `undefined` when they are not valid UTF-8. A BOM is kept: the bytes are the content. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A short reason for a failed file operation (`no such file or directory`), never file content. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a parent of it is not a directory';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

interface LocalPathAttr {
  /** `content_file` or `source_dir`. */
  attr: string;
  kind: string;
  noBaseDir: ConfigErrorCode;
}

/** Resolves a local path attribute against the declaring file's directory. */
function localPath(
  spec: LocalPathAttr,
  value: JsonValue,
  span: Span | undefined,
  unit: SourceUnit,
  ctx: EvalContext,
): string {
  if (typeof value !== 'string') {
    throw ctx.error(
      'BadLocalPath',
      `\`${spec.kind}.${spec.attr}\` must be a string path, found ${describeJson(value)}`,
      span,
      `write a path relative to this file, e.g. \`${spec.attr} = "files/example"\``,
    );
  }
  if (isAbsolute(value)) return value;
  if (unit.baseDir === undefined) {
    throw ctx.error(
      spec.noBaseDir,
      `\`${spec.kind}.${spec.attr}\` path \`${value}\` is relative, but this config has no base directory`,
      span,
      'load the config with loadFile, or pass `baseDir` to loadStr',
    );
  }
  return resolve(unit.baseDir, value);
}

/**
 * `system_file.content_file`: reads the local file (relative to the
 * declaring file) and puts its text in `content`; the provider never sees
 * `content_file`. Mutates `attrs` and `spans` (the file's span moves to `content`).
 */
export function inlineContentFile(
  kind: string,
  attrs: JsonObject,
  spans: Map<string, Span>,
  unit: SourceUnit,
  ctx: EvalContext,
): void {
  const raw = getOwn(attrs, 'content_file');
  if (raw === undefined) return;
  const span = spans.get('content_file');
  if (getOwn(attrs, 'content') !== undefined) {
    throw ctx.error(
      'ContentConflict',
      `\`${kind}\` sets both \`content\` and \`content_file\``,
      span,
      'keep one: inline `content`, or `content_file` to read it from a local file',
    );
  }
  const path = localPath(
    { attr: 'content_file', kind, noBaseDir: 'ContentFileNoBaseDir' },
    raw,
    span,
    unit,
    ctx,
  );
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw ctx.error(
      'ContentFileMissing',
      `cannot read \`content_file\` \`${path}\`: ${describeFsError(err)}`,
      span,
      'the path is relative to the .strat file that declares it; check it exists and is readable',
      err,
    );
  }
  const text = decodeUtf8(bytes);
  if (text === undefined) {
    throw ctx.error(
      'ContentFileMissing',
      `\`content_file\` \`${path}\` is not valid UTF-8`,
      span,
      '`content` is text; for binary files use `system_dir.source_dir`.',
    );
  }
  delete attrs.content_file;
  setOwn(attrs, 'content', text);
  if (span !== undefined) spans.set('content', span);
  spans.delete('content_file');
}

/**
 * `system_dir.source_dir`: made absolute against the declaring file's
 * directory and canonicalised, so the provider sees a real directory path.
 */
export function canonicaliseSourceDir(
  kind: string,
  attrs: JsonObject,
  spans: Map<string, Span>,
  unit: SourceUnit,
  ctx: EvalContext,
): void {
  const raw = getOwn(attrs, 'source_dir');
  if (raw === undefined) return;
  const span = spans.get('source_dir');
  const path = localPath({ attr: 'source_dir', kind, noBaseDir: 'SourceDirNoBaseDir' }, raw, span, unit, ctx);
  let real: string;
  let isDirectory: boolean;
  try {
    real = realpathSync(path);
    isDirectory = statSync(real).isDirectory();
  } catch (err) {
    throw ctx.error(
      'SourceDirMissing',
      `\`source_dir\` \`${path}\` does not exist: ${describeFsError(err)}`,
      span,
      'the path is relative to the .strat file that declares it; check the directory exists',
      err,
    );
  }
  if (!isDirectory) {
    throw ctx.error(
      'SourceDirMissing',
      `\`source_dir\` \`${path}\` is not a directory`,
      span,
      'point it at a directory',
    );
  }
  setOwn(attrs, 'source_dir', real);
}
