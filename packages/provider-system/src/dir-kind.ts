import { resolve } from 'node:path';
import type { HostCommand, JsonObject, KindHandler, Operation } from '@stratum/core';
import {
  absolutePathSchema,
  accountSchema,
  hostSchema,
  localDirectory,
  octalModeSchema,
  priorObject,
  sameMode,
  shellQuote,
} from '@stratum/core/kit';
import { z } from 'zod';
import {
  isSafeRelpath,
  type Manifest,
  manifestDigest,
  readLocalTree,
  sourceDirSummary,
} from './dir-manifest';
import { dirProbeScript, parseDirProbe } from './dir-probe';
import { priorPath } from './prior-path';
import { coalesced, type TarEntry, tarStream } from './tar-writer';

/** `system_dir`: a directory, either uploaded from a local tree or just created empty. */
export const systemDirSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the directory is made on.'),
    path: absolutePathSchema.describe('The absolute path of the directory on the host.'),
    source_dir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A local directory, relative to the `.strat` file, copied to `path`; made absolute and canonical when configs are validated.',
      ),
    mode: octalModeSchema
      .default('0644')
      .describe('The octal mode of every uploaded file (upload mode only).'),
    dir_mode: octalModeSchema
      .default('0755')
      .describe('The octal mode of every directory; without `source_dir`, of `path` itself.'),
    owner: accountSchema.default('root').describe('The owning user, set recursively in upload mode.'),
    group: accountSchema.default('root').describe('The owning group, set recursively in upload mode.'),
    delete_extra: z
      .boolean()
      .default(false)
      .describe('After an upload, remove the files the previous upload had and this one lacks.'),
  })
  .describe(
    'A directory: with `source_dir`, a copy of a local tree uploaded as one archive; without it, an empty directory with a mode and owner.',
  );

export type SystemDirAttrs = z.output<typeof systemDirSchema>;

/** Uploads of large trees over slow links take a while; well beyond the transport's default. */
const UPLOAD_TIMEOUT_MS = 60 * 60_000;

/**
 * Extracts a gzipped tar from stdin into PATH, then sets ownership and modes
 * on the whole tree.
 */
export function uploadCommand(
  attrs: Pick<SystemDirAttrs, 'path' | 'mode' | 'dir_mode' | 'owner' | 'group'>,
): string {
  const p = shellQuote(attrs.path);
  return [
    `mkdir -p -- ${p}`,
    `tar -xzf - -C ${p}`,
    `chown -R -- ${shellQuote(`${attrs.owner}:${attrs.group}`)} ${p}`,
    // One walk for both modes: on a host where a fork costs milliseconds, a
    // second `find` was a fifth of a 500-file upload.
    `find ${p} \\( -type f -exec chmod ${shellQuote(attrs.mode)} {} + \\) -o \\( -type d -exec chmod ${shellQuote(attrs.dir_mode)} {} + \\)`,
  ].join(' && ');
}

/** Empty-dir mode: create PATH and set its owner and mode, nothing below it. */
export function emptyDirCommand(
  attrs: Pick<SystemDirAttrs, 'path' | 'dir_mode' | 'owner' | 'group'>,
): string {
  const p = shellQuote(attrs.path);
  return [
    `mkdir -p -- ${p}`,
    `chown -- ${shellQuote(`${attrs.owner}:${attrs.group}`)} ${p}`,
    `chmod -- ${shellQuote(attrs.dir_mode)} ${p}`,
  ].join(' && ');
}

/** Removes the NUL-separated relpaths on stdin from under PATH (no argv length limit). */
export function deleteExtraCommand(path: string): string {
  return `cd -- ${shellQuote(path)} && xargs -0 -r rm -f --`;
}

export function removeDirCommand(path: string): string {
  return `rm -rf -- ${shellQuote(path)}`;
}

/** Files the prior manifest lists that the new one does not, restricted to paths inside the directory. */
export function extraFiles(prior: unknown, next: Manifest): string[] {
  if (prior === null || typeof prior !== 'object' || Array.isArray(prior)) return [];
  return Object.keys(prior).filter((relpath) => !(relpath in next) && isSafeRelpath(relpath));
}

/** The size of the pieces the tar stream is handed to gzip in (see {@link coalesced}). */
const GZIP_INPUT_CHUNK = 64 * 1024;

async function* gzipped(entries: TarEntry[]): AsyncIterable<Uint8Array> {
  // Loaded here rather than at the top: only an upload needs zlib and streams,
  // and every plan, validate and fmt imports this provider (≈ 2.5 ms of start).
  const [{ Readable }, { pipeline }, { createGzip }] = await Promise.all([
    import('node:stream'),
    import('node:stream/promises'),
    import('node:zlib'),
  ]);
  const gzip = createGzip();
  // Errors reading a source file end the gzip stream with that error, which the transport surfaces.
  pipeline(Readable.from(coalesced(tarStream(entries), GZIP_INPUT_CHUNK)), gzip).catch(() => {});
  yield* gzip;
}

function permsMatch(prior: JsonObject, attrs: SystemDirAttrs): boolean {
  return (
    typeof prior.mode === 'string' &&
    typeof prior.dir_mode === 'string' &&
    sameMode(prior.mode, attrs.mode) &&
    sameMode(prior.dir_mode, attrs.dir_mode) &&
    prior.owner === attrs.owner &&
    prior.group === attrs.group
  );
}

/**
 * The operation that makes the directory match: nothing when the prior state
 * already records this tree with these permissions, else an upload of the
 * local tree (and, with `delete_extra`, removal of files it no longer has) or
 * the creation of an empty directory. Reads and hashes the local tree now, so
 * the state it records is the tree as uploaded.
 */
async function applyDir(
  request: { name: string; attrs: SystemDirAttrs },
  prior: JsonObject | undefined,
): Promise<Operation> {
  const { attrs } = request;
  const where = `${attrs.host}:${attrs.path}`;
  const sourceDir = attrs.source_dir === undefined ? null : resolve(attrs.source_dir);
  const tree = sourceDir === null ? undefined : await readLocalTree(sourceDir);
  const manifest = tree?.manifest ?? {};
  const digest = manifestDigest(manifest);
  const fileCount = Object.keys(manifest).length;
  const state: JsonObject = {
    host: attrs.host,
    source_dir: sourceDir,
    path: attrs.path,
    mode: attrs.mode,
    dir_mode: attrs.dir_mode,
    owner: attrs.owner,
    group: attrs.group,
    delete_extra: attrs.delete_extra,
    file_count: fileCount,
    manifest_sha256: digest,
    manifest,
  };
  const done = (commands: HostCommand[], trace: string[], warnings: string[] = []): Operation => ({
    host: attrs.host,
    commands,
    trace,
    warnings,
    record: () => state,
  });
  const unchanged =
    prior !== undefined &&
    prior.host === attrs.host &&
    prior.path === attrs.path &&
    prior.manifest_sha256 === digest &&
    (prior.source_dir === null || prior.source_dir === undefined) === (sourceDir === null) &&
    permsMatch(prior, attrs);
  if (unchanged) {
    return done(
      [],
      [`[system] DIR \`${request.name}\` -> ${where} unchanged (${fileCount} files, manifest match)`],
    );
  }
  if (tree === undefined) {
    return done(
      [
        {
          command: emptyDirCommand(attrs),
          step: `creating directory ${attrs.path}`,
          hint: 'Check that the owner and group exist on the host and that the parent path is writable.',
        },
      ],
      [
        `[system] DIR \`${request.name}\` -> ${where} (empty dir, dir_mode=${attrs.dir_mode} ${attrs.owner}:${attrs.group})`,
      ],
    );
  }
  const commands: HostCommand[] = [
    {
      command: uploadCommand(attrs),
      step: `upload of ${sourceDir} to ${attrs.path}`,
      // A stream can be read once: a fresh archive for every run of the command.
      stdin: () => gzipped(tree.entries),
      timeoutMs: UPLOAD_TIMEOUT_MS,
      hint: 'Check that tar and gzip exist on the host, that the owner and group exist, and that there is disk space.',
    },
  ];
  const extra = attrs.delete_extra && prior !== undefined ? extraFiles(prior.manifest, manifest) : [];
  if (extra.length > 0) {
    commands.push({
      command: deleteExtraCommand(attrs.path),
      step: `removal of ${extra.length} files no longer in ${sourceDir}`,
      stdin: extra.map((relpath) => `${relpath}\0`).join(''),
    });
  }
  return done(
    commands,
    [
      `[system] DIR \`${request.name}\` -> ${where} (${fileCount} files, mode=${attrs.mode} dir_mode=${attrs.dir_mode} ${attrs.owner}:${attrs.group})`,
    ],
    tree.skipped.map(
      (relpath) =>
        `system_dir.${request.name}: ${relpath} in ${sourceDir} is not a regular file or directory; not uploaded`,
    ),
  );
}

export const systemDirKind: KindHandler<SystemDirAttrs> = {
  schema: systemDirSchema,
  identity: ['host', 'path'],
  // Uploaded files land on the host as they are and their digests go into state.
  secrets: {
    refs: [],
    refusedHint: 'keep secrets out of uploaded directories; deliver them with `system_secret_file`',
  },

  // A relative source_dir is relative to the declaring config file; the kind works with the canonical path.
  prepare(attrs, local) {
    if (!Object.hasOwn(attrs, 'source_dir')) return attrs;
    const source_dir = localDirectory('source_dir', attrs.source_dir ?? null, local, {
      noBaseDir: 'SourceDirNoBaseDir',
      missing: 'SourceDirMissing',
    });
    return { ...attrs, source_dir };
  },

  claims: ({ attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'directory path', value: attrs.path }],
  }),

  create: (request) => applyDir(request, undefined),
  update: (request) => applyDir(request, priorObject(request.prior)),

  // The manifest of the local tree, built fresh at every plan: a file changed,
  // added or removed under source_dir shows up as an update of this resource.
  async planView(attrs) {
    if (typeof attrs.source_dir !== 'string') return attrs;
    return { ...attrs, ...(await sourceDirSummary(attrs.source_dir)) };
  },

  delete(request) {
    const { host, path } = priorPath(request);
    return {
      host,
      commands: [{ command: removeDirCommand(path), step: `rm -rf ${path}`, onFailure: 'warn' }],
    };
  },

  probe(request) {
    const { host, path } = priorPath(request);
    const prior = priorObject(request.prior);
    // Any size: the probe is one find | sort | xargs sha256sum pipeline, a few processes for the whole tree.
    const withManifest = typeof prior.source_dir === 'string';
    return {
      host,
      script: dirProbeScript(path, withManifest),
      parse: (output, exitCode) => parseDirProbe({ host, path }, output, exitCode),
    };
  },
};
