import type { JsonObject, LocalContext } from '@stratum/core';
import { InvalidAttributeError, readLocalText } from '@stratum/core/kit';

/**
 * `system_file`'s `prepare`: a `content_file` (a local path, relative to the
 * config file that declares the resource) is read into `content`, so the rest
 * of the kind, the plan and state only ever see `content`. Returns `attrs`
 * itself when there is no `content_file`; never mutates it.
 */
export function inlineContentFile(attrs: JsonObject, local: LocalContext): JsonObject {
  if (!Object.hasOwn(attrs, 'content_file')) return attrs;
  if (Object.hasOwn(attrs, 'content')) {
    throw new InvalidAttributeError(
      'ContentConflict',
      'content_file',
      `\`${local.kind}\` sets both \`content\` and \`content_file\``,
      { hint: 'keep one: inline `content`, or `content_file` to read it from a local file' },
    );
  }
  const { content_file: path, ...rest } = attrs;
  const content = readLocalText('content_file', path ?? null, local, {
    noBaseDir: 'ContentFileNoBaseDir',
    missing: 'ContentFileMissing',
    otherwise: 'upload large or binary files with `system_dir` and `source_dir`',
  });
  return { ...rest, content };
}
