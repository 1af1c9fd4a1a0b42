import type { KindHandler, Observed, Operation } from '@stratum/core';
import {
  absolutePathSchema,
  compact,
  hostSchema,
  outputTail,
  priorString,
  shellQuote,
} from '@stratum/core/kit';
import { z } from 'zod';
import { priorPath } from './prior-path';

/**
 * `system_line`: one line present in (or absent from) a file, leaving every
 * other line as it is. `match` is a POSIX extended regular expression (awk's,
 * as `grep -E` reads it): when `line` is not there yet, the first line it
 * matches is replaced by `line`; with `state = "absent"` every line it
 * matches goes too.
 */
export const systemLineSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target holding the file.'),
    path: absolutePathSchema.describe('The absolute path of the file.'),
    line: z
      .string()
      .refine((line) => !/[\0\n]/.test(line), 'a line cannot contain a newline or a NUL byte')
      .describe('The whole line without its newline, compared exactly (not a pattern).'),
    match: z
      .string()
      .min(1, 'match must not be empty; leave it out to match the line itself')
      .refine((re) => !/[\0\n]/.test(re), 'match cannot contain a newline or a NUL byte')
      .optional()
      .describe('A POSIX extended regular expression (as `grep -E` takes it) for the line to replace.'),
    state: z
      .enum(['present', 'absent'])
      .default('present')
      .describe('`present` keeps the line in the file, `absent` removes it.'),
  })
  .describe(
    'One line present in, or absent from, a text file; every other line of the file stays byte for byte.',
  );

export type SystemLineAttrs = z.output<typeof systemLineSchema>;

/** Reads the file once and prints it with the line in place (awk: `L` the line, `R` the regular expression). */
const PRESENT_AWK =
  '{ a[NR] = $0; if ($0 == ENVIRON["L"]) found = 1 } END { m = 0; if (!found && ENVIRON["R"] != "") for (i = 1; i <= NR; i++) if (a[i] ~ ENVIRON["R"]) { m = i; break } for (i = 1; i <= NR; i++) print (i == m ? ENVIRON["L"] : a[i]); if (!found && !m) print ENVIRON["L"] }';
const ABSENT_AWK = '$0 == ENVIRON["L"] || (ENVIRON["R"] != "" && $0 ~ ENVIRON["R"]) { next } { print }';

/**
 * Edits the file in place, atomically (a copy beside it with the same owner
 * and mode, renamed over it), and only when a line changes. A missing file is
 * created (mode 0644, as the login's umask allows) holding just the line when
 * the line must be present; nothing happens when it must be absent. The
 * values travel in the environment, never in awk's program: `awk -v` would
 * read backslashes in them as escapes.
 */
export function lineCommand(attrs: SystemLineAttrs): string {
  const program = attrs.state === 'present' ? PRESENT_AWK : ABSENT_AWK;
  return [
    `f=${shellQuote(attrs.path)}; t="$f.stratum-tmp"`,
    `export L=${shellQuote(attrs.line)} R=${shellQuote(attrs.match ?? '')}`,
    attrs.state === 'present'
      ? 'if [ ! -e "$f" ]; then printf \'%s\\n\' "$L" > "$t" && chmod 0644 "$t" && mv -f -- "$t" "$f"; exit; fi'
      : 'if [ ! -e "$f" ]; then exit 0; fi',
    `awk ${shellQuote(program)} "$f" > "$t" || { rm -f -- "$t"; exit 1; }`,
    'if cmp -s "$t" "$f"; then rm -f -- "$t"; exit 0; fi',
    'chown --reference="$f" -- "$t" && chmod --reference="$f" -- "$t" && mv -f -- "$t" "$f"',
  ].join('\n');
}

/**
 * Prints `MISSING`, or `LINES|<lines equal to L>|<lines matching R>`; the
 * file's content never leaves the host.
 */
export function lineProbeScript(path: string, line: string, match: string | undefined): string {
  return [
    `f=${shellQuote(path)}`,
    'if [ ! -e "$f" ]; then echo MISSING; exit 0; fi',
    `L=${shellQuote(line)} R=${shellQuote(match ?? '')} awk '$0 == ENVIRON["L"] { e++ } ENVIRON["R"] != "" && $0 ~ ENVIRON["R"] { m++ } END { printf "LINES|%d|%d\\n", e, m }' "$f"`,
  ].join('\n');
}

/**
 * `{ host, path, state }` as the line stands: `present` when the file holds
 * the line (for a line that must be absent: the line, or one `match` finds).
 * A missing file holds no line.
 */
export function parseLineProbe(
  target: { host: string; path: string; state: string },
  output: string,
  exitCode: number,
): Observed {
  const { host, path } = target;
  const counts = exitCode === 0 ? /^LINES\|(\d+)\|(\d+)\n$/.exec(output) : null;
  if (exitCode === 0 && (output === 'MISSING\n' || counts)) {
    const exact = counts ? Number(counts[1]) : 0;
    const matching = counts ? Number(counts[2]) : 0;
    const there = target.state === 'absent' ? exact + matching > 0 : exact > 0;
    return { status: 'present', attrs: { host, path, state: there ? 'present' : 'absent' } };
  }
  return {
    status: 'unknown',
    reason: `system_line read of ${path} on ${host} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
  };
}

function lineOperation(name: string, attrs: SystemLineAttrs): Operation {
  const { host, path, state } = attrs;
  return {
    host,
    commands: [
      {
        command: lineCommand(attrs),
        step: `edit of ${path}`,
        hint: 'Check that the file’s directory exists on the host and that `match` is a valid extended regular expression.',
      },
    ],
    trace: [`[system] LINE \`${name}\` ${state} in ${host}:${path}`],
    record: () => compact({ host, path, line: attrs.line, match: attrs.match, state }),
  };
}

export const systemLineKind: KindHandler<SystemLineAttrs> = {
  schema: systemLineSchema,
  identity: ['host', 'path'],
  // State and plans show the line in the clear.
  secrets: {
    refs: [],
    refusedHint: 'a line kept in state cannot hold a secret; put the whole file in a `system_secret_file`',
  },

  // Two resources wanting the same line of one file would undo each other.
  claims: ({ attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'line of a file', value: `${attrs.path}: ${attrs.line}` }],
  }),

  create: (request) => lineOperation(request.name, request.attrs),
  // The line this resource put in place earlier stays when `line` changes and
  // `match` does not find it: say `match` to replace an old spelling.
  update: (request) => lineOperation(request.name, request.attrs),

  delete(request) {
    const { host, path } = priorPath(request);
    const line = priorString(request.prior, 'line') ?? '';
    // Deleting the resource takes back what it added: the exact line, never lines `match` found.
    const state = priorString(request.prior, 'state');
    return {
      host,
      commands:
        state === 'absent'
          ? []
          : [
              {
                command: lineCommand({ host, path, line, state: 'absent' }),
                step: `edit of ${path}`,
                onFailure: 'warn',
              },
            ],
    };
  },

  probe(request) {
    const { host, path } = priorPath(request);
    const line = priorString(request.prior, 'line') ?? '';
    const state = priorString(request.prior, 'state') ?? 'present';
    return {
      host,
      script: lineProbeScript(
        path,
        line,
        state === 'absent' ? priorString(request.prior, 'match') : undefined,
      ),
      parse: (output, exitCode) => parseLineProbe({ host, path, state }, output, exitCode),
    };
  },
};
