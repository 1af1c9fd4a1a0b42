import type { HostCommand, KindHandler, Observed, Operation } from '@stratum/core';
import { absolutePathSchema, hostSchema, outputTail, priorString, shellQuote } from '@stratum/core/kit';
import { z } from 'zod';
import { priorPath } from './prior-path';

/** `system_symlink`: `path` is a symbolic link to `target`. */
export const systemSymlinkSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the link is made on.'),
    path: absolutePathSchema.describe(
      'The absolute path of the link; missing parent directories are created.',
    ),
    /** What the link points at, as `ln -s` takes it: absolute, or relative to the link's directory. */
    target: z
      .string()
      .min(1, 'target must not be empty')
      .refine((target) => !/[\0\n]/.test(target), 'a link target cannot contain a NUL byte or a newline')
      .describe(
        "What the link points at, as `ln -s` takes it: absolute, or relative to the link's directory; no newline.",
      ),
    /** Replace a regular file or directory (removing it) that stands where the link goes. */
    force: z
      .boolean()
      .default(false)
      .describe('Replace a regular file or directory that stands at `path` (it is removed).'),
  })
  .describe('A symbolic link at `path` pointing at `target`.');

export type SystemSymlinkAttrs = z.output<typeof systemSymlinkSchema>;

/** What the link command prints, on stderr, before it refuses to replace something that is not a link. */
export const NOT_A_LINK = 'STRATUM_NOT_A_LINK';

/**
 * Makes `path` a link to `target`, leaving a link that is already right
 * untouched. Anything else in the way — a wrong link is replaced, a file or
 * directory only with `force` (removed first: `ln -sfn` would put the link
 * inside a directory rather than replace it).
 */
export function linkCommand(attrs: SystemSymlinkAttrs): string {
  const guard = attrs.force
    ? 'rm -rf -- "$p"'
    : `{ echo "${NOT_A_LINK}: $p exists and is not a symbolic link" >&2; exit 3; }`;
  return [
    `p=${shellQuote(attrs.path)}; t=${shellQuote(attrs.target)}`,
    'if [ -L "$p" ]; then [ "$(readlink -- "$p")" = "$t" ] && exit 0',
    `elif [ -e "$p" ]; then ${guard}; fi`,
    'mkdir -p -- "$(dirname -- "$p")" && ln -sfn -- "$t" "$p"',
  ].join('\n');
}

/** Removes `path` when it is a link; a file or directory there is not ours and stays. */
export function unlinkCommand(path: string): string {
  return `p=${shellQuote(path)}; if [ -L "$p" ]; then rm -f -- "$p"; fi`;
}

/** Prints `MISSING`, `LINK|<target>`, or `OTHER` (something that is not a link). */
export function symlinkProbeScript(path: string): string {
  return [
    `p=${shellQuote(path)}`,
    'if [ -L "$p" ]; then t=$(readlink -- "$p") || exit 1; printf \'LINK|%s\\n\' "$t"',
    'elif [ -e "$p" ]; then echo OTHER',
    'else echo MISSING; fi',
  ].join('\n');
}

/**
 * `{ host, path, target }`; a file or directory where the link should be
 * reads as `target: null`, so a refresh shows it as drift (and the repair
 * refuses it unless `force`).
 */
export function parseSymlinkProbe(
  where: { host: string; path: string },
  output: string,
  exitCode: number,
): Observed {
  const { host, path } = where;
  if (exitCode === 0 && output === 'MISSING\n') return { status: 'absent' };
  if (exitCode === 0 && output === 'OTHER\n')
    return { status: 'present', attrs: { host, path, target: null } };
  if (exitCode === 0 && output.startsWith('LINK|') && output.endsWith('\n') && output.length > 6) {
    const target = output.slice('LINK|'.length, -1);
    if (!target.includes('\n')) return { status: 'present', attrs: { host, path, target } };
  }
  return {
    status: 'unknown',
    reason: `system_symlink read of ${path} on ${host} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
  };
}

function linkOperation(name: string, attrs: SystemSymlinkAttrs, before: HostCommand[]): Operation {
  const { host, path, target, force } = attrs;
  return {
    host,
    commands: [
      ...before,
      {
        command: linkCommand(attrs),
        step: `link of ${path}`,
        hint: `${path} is a regular file or directory on the host: move it away, or set \`force = true\` to replace it`,
      },
    ],
    trace: [`[system] SYMLINK \`${name}\` ${host}:${path}`],
    record: () => ({ host, path, target, force }),
  };
}

export const systemSymlinkKind: KindHandler<SystemSymlinkAttrs> = {
  schema: systemSymlinkSchema,
  identity: ['host', 'path'],
  // The target is in state and plans in the clear.
  secrets: { refs: [] },

  // A link and a file at one path would replace each other on every apply.
  claims: ({ attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'file path', value: attrs.path }],
  }),

  create: (request) => linkOperation(request.name, request.attrs, []),

  update(request) {
    const { attrs } = request;
    const oldPath = priorString(request.prior, 'path');
    const oldHost = priorString(request.prior, 'host');
    const moved =
      oldPath !== undefined && oldHost !== undefined && (oldPath !== attrs.path || oldHost !== attrs.host);
    const cleanup: HostCommand[] = moved
      ? [{ command: unlinkCommand(oldPath), step: `removal of ${oldPath}`, host: oldHost, onFailure: 'warn' }]
      : [];
    return linkOperation(request.name, attrs, cleanup);
  },

  delete(request) {
    const { host, path } = priorPath(request);
    return { host, commands: [{ command: unlinkCommand(path), step: `removal of ${path}` }] };
  },

  probe(request) {
    const where = priorPath(request);
    return {
      host: where.host,
      script: symlinkProbeScript(where.path),
      parse: (output, exitCode) => parseSymlinkProbe(where, output, exitCode),
    };
  },
};
