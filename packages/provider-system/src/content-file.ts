import type { JsonObject, LocalContext } from '@stratum/core';
import { InvalidAttributeError, readLocalText } from '@stratum/core/kit';

/**
 * `system_file`'s `prepare`: a `content_file` (a local path, relative to the
 * config file that declares the resource) is read into `content`, so the rest
 * of the kind, the plan and state only ever see `content`. Returns `attrs`
 * itself when there is no `content_file`; never mutates it.
 */
export function inlineContentFile(attrs: JsonObject, local: LocalContext): JsonObject {
  return inlineLocalFile(attrs, local, {
    from: 'content_file',
    to: 'content',
    codes: { conflict: 'ContentConflict', noBaseDir: 'ContentFileNoBaseDir', missing: 'ContentFileMissing' },
    otherwise: 'upload large or binary files with `system_dir` and `source_dir`',
  });
}

/** The same for any pair of attributes: the local file named by `from` is read into `to`. */
export function inlineLocalFile(
  attrs: JsonObject,
  local: LocalContext,
  spec: {
    from: string;
    to: string;
    codes: { conflict: string; noBaseDir: string; missing: string };
    otherwise: string;
  },
): JsonObject {
  const { from, to, codes } = spec;
  if (!Object.hasOwn(attrs, from)) return attrs;
  if (Object.hasOwn(attrs, to)) {
    throw new InvalidAttributeError(
      codes.conflict,
      from,
      `\`${local.kind}\` sets both \`${to}\` and \`${from}\``,
      {
        hint: `keep one: inline \`${to}\`, or \`${from}\` to read it from a local file`,
      },
    );
  }
  const { [from]: path, ...rest } = attrs;
  const text = readLocalText(from, path ?? null, local, {
    noBaseDir: codes.noBaseDir,
    missing: codes.missing,
    otherwise: spec.otherwise,
  });
  return { ...rest, [to]: text };
}
