import type { HostCommand, KindHandler, Observed, Operation } from '@stratum/core';
import {
  compact,
  hostSchema,
  outputTail,
  priorHost,
  priorString,
  sha256Hex,
  shellQuote,
} from '@stratum/core/kit';
import { z } from 'zod';
import { APT_TIMEOUT_MS, aptUpdateCommand } from './apt';
import { inlineLocalFile } from './content-file';
import { installFile, removeFileCommand } from './file-install';
import { vectorSections } from './file-probe';

const word = z.string().regex(/^[^\s#]+$/, 'expected one word (no spaces or "#")');

/**
 * `system_apt_repo`: an apt source in deb822 form,
 * `/etc/apt/sources.list.d/<name>.sources` — or, with `format = "one-line"`,
 * the older `deb [options] URI SUITE COMPONENTS` lines in `<name>.list`, which
 * apt versions before deb822 support (and many vendors' instructions) use —
 * with its signing key (an ASCII-armored OpenPGP public key) at
 * `/etc/apt/keyrings/<name>.asc` named by `Signed-By` / `signed-by=`. A
 * config's `key_file` is read into `key` by `prepare`.
 */
export const systemAptRepoSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target whose apt sources change.'),
    /** The file name: letters, digits, `_`, `.`, `-` (apt ignores other names). Defaults to the label. */
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected a file name of letters, digits, "_", "." and "-"')
      .optional()
      .describe('The file name (letters, digits, `_`, `.`, `-`). Defaults to the resource label.'),
    uris: z.array(word).min(1).describe('The repository URIs (`https://...`, `file:/srv/repo`).'),
    suites: z.array(word).min(1).describe('The suites; a path ending in `/` (`./`) for a flat repository.'),
    /** Empty for a flat repository (its suite is a path ending in `/`, e.g. `./`). */
    components: z.array(word).default([]).describe('The components; empty for a flat repository.'),
    architectures: z.array(word).optional().describe('Restrict the source to these architectures.'),
    format: z
      .enum(['deb822', 'one-line'])
      .default('deb822')
      .describe(
        "The source file's form: `deb822` (`<name>.sources`) or `one-line` (`<name>.list`, one `deb [...] URI SUITE COMPONENTS` line per URI and suite).",
      ),
    key: z
      .string()
      .refine(
        (key) => key.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----'),
        'expected an ASCII-armored OpenPGP public key (gpg --armor --export)',
      )
      .optional()
      .describe('The signing key, ASCII-armored (`gpg --armor --export`).'),
  })
  .describe(
    'An apt source in deb822 form, `/etc/apt/sources.list.d/<name>.sources` (or one-line form, `<name>.list`), with its signing key beside it. Instead of `key`, a config may give `key_file`, a local file (relative to the config file) read into `key` when the config is loaded.',
  );

export type SystemAptRepoAttrs = z.output<typeof systemAptRepoSchema>;

export const sourcesPath = (name: string) => `/etc/apt/sources.list.d/${name}.sources`;
export const listPath = (name: string) => `/etc/apt/sources.list.d/${name}.list`;
/** The source file of `format`. */
const sourceFileOf = (name: string, format: SystemAptRepoAttrs['format']) =>
  format === 'one-line' ? listPath(name) : sourcesPath(name);
export const keyringPath = (name: string) => `/etc/apt/keyrings/${name}.asc`;

/** The deb822 stanza apt reads. */
export function renderSources(name: string, attrs: SystemAptRepoAttrs): string {
  const fields: [string, string[] | undefined][] = [
    ['Types', ['deb']],
    ['URIs', attrs.uris],
    ['Suites', attrs.suites],
    ['Components', attrs.components.length === 0 ? undefined : attrs.components],
    ['Architectures', attrs.architectures],
    ['Signed-By', attrs.key === undefined ? undefined : [keyringPath(name)]],
  ];
  return fields
    .filter((field): field is [string, string[]] => field[1] !== undefined)
    .map(([field, values]) => `${field}: ${values.join(' ')}\n`)
    .join('');
}

/** The one-line form: a `deb` line per URI and suite, options in brackets. */
export function renderOneLine(name: string, attrs: SystemAptRepoAttrs): string {
  const options = [
    ...(attrs.architectures === undefined ? [] : [`arch=${attrs.architectures.join(',')}`]),
    ...(attrs.key === undefined ? [] : [`signed-by=${keyringPath(name)}`]),
  ];
  const bracket = options.length === 0 ? '' : ` [${options.join(' ')}]`;
  return attrs.uris
    .flatMap((uri) =>
      attrs.suites.map((suite) => `deb${bracket} ${[uri, suite, ...attrs.components].join(' ')}\n`),
    )
    .join('');
}

/**
 * The `deb` lines of a one-line source as deb822 fields (URIs and suites in
 * order of first appearance, the first line's components and `arch=`); lines
 * of another type (`deb-src`) and comments are skipped. Undefined when a `deb`
 * line cannot be read or there is none.
 */
export function parseOneLine(text: string): Record<string, string[]> | undefined {
  const uris: string[] = [];
  const suites: string[] = [];
  let components: string[] | undefined;
  let architectures: string[] | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!/^deb\s/.test(line)) continue;
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)((?:\s+\S+)*)$/.exec(line);
    if (!m) return undefined;
    for (const option of (m[1] ?? '').trim().split(/\s+/)) {
      if (option.startsWith('arch=')) architectures ??= option.slice('arch='.length).split(',');
    }
    if (!uris.includes(m[2]!)) uris.push(m[2]!);
    if (!suites.includes(m[3]!)) suites.push(m[3]!);
    components ??= m[4]!.trim() === '' ? [] : m[4]!.trim().split(/\s+/);
  }
  if (uris.length === 0) return undefined;
  return { uris, suites, components: components ?? [], ...(architectures ? { architectures } : {}) };
}

/** The fields of the first deb822 stanza, each split into words; undefined for anything else. */
export function parseSources(text: string): Record<string, string[]> | undefined {
  const out: Record<string, string[]> = {};
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    if (line.trim() === '') {
      if (Object.keys(out).length > 0) break;
      continue;
    }
    if (/^\s/.test(line)) {
      if (last === undefined) return undefined;
      out[last]!.push(...line.trim().split(/\s+/));
      continue;
    }
    const m = /^([A-Za-z0-9-]+):(.*)$/.exec(line);
    if (!m) return undefined;
    last = m[1]!.toLowerCase();
    out[last] = m[2]!.trim() === '' ? [] : m[2]!.trim().split(/\s+/);
  }
  return out;
}

/**
 * Prints `S\n[<.sources file>\0]\nL\n[<.list file>\0]\nK\n<sha256 of the
 * keyring, or nothing>\0\nEND\n`, or `MISSING` when neither source file exists.
 */
export function aptRepoProbeScript(name: string): string {
  return [
    `s=${shellQuote(sourcesPath(name))}; l=${shellQuote(listPath(name))}; k=${shellQuote(keyringPath(name))}`,
    '[ -e "$s" ] || [ -e "$l" ] || { echo MISSING; exit 0; }',
    'printf \'S\\n\'; if [ -e "$s" ]; then cat -- "$s" && printf \'\\0\' || exit 1; fi',
    'printf \'\\nL\\n\'; if [ -e "$l" ]; then cat -- "$l" && printf \'\\0\' || exit 1; fi',
    "printf '\\nK\\n'",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS placeholder.
    'if [ -e "$k" ]; then h=$(sha256sum < "$k") || exit 1; printf \'%s\' "${h%% *}"; fi',
    "printf '\\0\\nEND\\n'",
  ].join('\n');
}

/** `{ host, name, uris, suites, components, key_sha256 }` as the host has them. */
export function parseAptRepoProbe(
  target: { host: string; name: string },
  output: string,
  exitCode: number,
): Observed {
  const { host, name } = target;
  if (exitCode === 0 && output === 'MISSING\n') return { status: 'absent' };
  const sections = exitCode === 0 ? vectorSections(output, ['S', 'L', 'K']) : undefined;
  // deb822 wins when both exist: the .list is then drift an update removes.
  const oneLine = sections?.[0]?.length === 0 && sections[1]?.length === 1;
  const fields =
    sections?.[0]?.length === 1
      ? parseSources(sections[0][0]!)
      : oneLine
        ? parseOneLine(sections![1]![0]!)
        : undefined;
  const hash = sections?.[2]?.[0];
  if (fields === undefined || sections?.[2]?.length !== 1 || !/^([0-9a-f]{64})?$/.test(hash!)) {
    return {
      status: 'unknown',
      reason: `system_apt_repo read of ${sourcesPath(name)} on ${host} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
    };
  }
  return {
    status: 'present',
    attrs: compact({
      host,
      name,
      uris: fields.uris ?? [],
      suites: fields.suites ?? [],
      components: fields.components ?? [],
      architectures: fields.architectures,
      format: oneLine ? 'one-line' : 'deb822',
      // null, not left out: a keyring removed by hand is drift.
      key_sha256: hash === '' ? null : hash,
    }),
  };
}

function repoOperation(label: string, attrs: SystemAptRepoAttrs, cleanup: HostCommand[]): Operation {
  const name = attrs.name ?? label;
  const { host } = attrs;
  const root = { mode: '0644', owner: 'root', group: 'root' };
  return {
    host,
    commands: [
      ...(attrs.key === undefined
        ? [{ command: removeFileCommand(keyringPath(name)), step: `removal of ${keyringPath(name)}` }]
        : [installFile({ path: keyringPath(name), ...root }, attrs.key)]),
      attrs.format === 'one-line'
        ? installFile({ path: listPath(name), ...root }, renderOneLine(name, attrs))
        : installFile({ path: sourcesPath(name), ...root }, renderSources(name, attrs)),
      // apt would read both forms: the other one goes (a switch of `format`, or one left by hand).
      {
        command: removeFileCommand(sourceFileOf(name, attrs.format === 'one-line' ? 'deb822' : 'one-line')),
        step: 'removal of the other form',
      },
      ...cleanup,
      // Not `once`: the lists must be read again now that this source changed.
      {
        command: aptUpdateCommand(),
        step: 'apt-get update',
        timeoutMs: APT_TIMEOUT_MS,
        hint: 'Read apt’s message above: a URI the host cannot reach, a suite the repository does not have, or a key that did not sign its Release file.',
      },
    ],
    trace: [`[system] APT REPO \`${name}\` on ${host} (${sourceFileOf(name, attrs.format)})`],
    record: () =>
      compact({
        host,
        name,
        uris: attrs.uris,
        suites: attrs.suites,
        components: attrs.components,
        architectures: attrs.architectures,
        format: attrs.format,
        key_sha256: attrs.key === undefined ? undefined : sha256Hex(attrs.key),
      }),
  };
}

function removeRepo(name: string, host?: string): HostCommand {
  return {
    command: [sourcesPath(name), listPath(name), keyringPath(name)].map(removeFileCommand).join(' && '),
    step: `removal of ${sourcesPath(name)}`,
    host,
    onFailure: 'warn',
  };
}

export const systemAptRepoKind: KindHandler<SystemAptRepoAttrs> = {
  schema: systemAptRepoSchema,
  identity: ['host', 'name'],
  secrets: { refs: [] },
  // State keeps the key's digest, not the key.
  digests: { key: 'key_sha256' },

  prepare: (attrs, local) =>
    inlineLocalFile(attrs, local, {
      from: 'key_file',
      to: 'key',
      codes: { conflict: 'KeyConflict', noBaseDir: 'KeyFileNoBaseDir', missing: 'KeyFileMissing' },
      otherwise: 'export the key in ASCII armor: gpg --armor --export <id> > key.asc',
    }),

  claims: ({ name, attrs }) => ({
    host: attrs.host,
    claims: [
      { type: 'name', space: 'file path', value: sourcesPath(attrs.name ?? name) },
      { type: 'name', space: 'file path', value: listPath(attrs.name ?? name) },
      { type: 'name', space: 'file path', value: keyringPath(attrs.name ?? name) },
    ],
  }),

  create: (request) => repoOperation(request.name, request.attrs, []),

  update(request) {
    const name = request.attrs.name ?? request.name;
    const old = priorString(request.prior, 'name');
    const oldHost = priorString(request.prior, 'host');
    const moved =
      old !== undefined && oldHost !== undefined && (old !== name || oldHost !== request.attrs.host);
    return repoOperation(request.name, request.attrs, moved ? [removeRepo(old, oldHost)] : []);
  },

  // The lists apt read from it stay until the next `apt-get update`; installed packages stay installed.
  delete(request) {
    const name = priorString(request.prior, 'name') ?? request.name;
    return { host: priorHost(request), commands: [removeRepo(name)] };
  },

  probe(request) {
    const host = priorHost(request);
    const name = priorString(request.prior, 'name') ?? request.name;
    return {
      host,
      script: aptRepoProbeScript(name),
      parse: (output, exitCode) => parseAptRepoProbe({ host, name }, output, exitCode),
    };
  },
};
