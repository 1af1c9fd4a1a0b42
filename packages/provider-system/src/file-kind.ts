import type { JsonObject, KindHandler, Operation } from '@stratum/core';
import {
  absolutePathSchema,
  accountSchema,
  hostSchema,
  octalModeSchema,
  priorObject,
  sameMode,
  sha256Hex,
} from '@stratum/core/kit';
import { z } from 'zod';
import { inlineContentFile } from './content-file';
import { installFile, removeFileCommand } from './file-install';
import { fileProbe } from './file-probe';
import { type FileWrite, fileVectorWriter, VECTOR_FILE_MAX_BYTES } from './file-vector-write';
import { priorPath } from './prior-path';

/**
 * `system_file`: a file with content, mode and ownership; parent directories
 * are created. A config's `content_file` never reaches the schema: the kind's
 * `prepare` reads the local file into `content`.
 */
export const systemFileSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the file is written on.'),
    path: absolutePathSchema.describe('The absolute path of the file on the host.'),
    content: z
      .string()
      .describe(
        "The file's text. State and plans show it in the clear, so it may not hold a secret: use `system_secret_file` for that.",
      ),
    mode: octalModeSchema.default('0644').describe('The octal file mode (`644`, `0644`).'),
    owner: accountSchema.default('root').describe('The owning user, a name or numeric id.'),
    group: accountSchema.default('root').describe('The owning group, a name or numeric id.'),
  })
  .describe(
    'A file with content and permissions; missing parent directories are created. Instead of `content`, a config may give `content_file`, a local file (relative to the `.strat` file) read into `content` when configs are validated.',
  );

export type SystemFileAttrs = z.output<typeof systemFileSchema>;

/**
 * True when the prior state already describes this exact file: same place,
 * same content hash, same permissions. Shared with `system_secret_file`.
 */
export function fileUnchanged(
  prior: JsonObject,
  desired: { host: string; path: string; mode: string; owner: string; group: string },
  sha256: string,
): boolean {
  return (
    prior.host === desired.host &&
    prior.path === desired.path &&
    prior.sha256 === sha256 &&
    typeof prior.mode === 'string' &&
    sameMode(prior.mode, desired.mode) &&
    prior.owner === desired.owner &&
    prior.group === desired.group
  );
}

function stateOf(attrs: SystemFileAttrs): JsonObject {
  return {
    host: attrs.host,
    path: attrs.path,
    content: attrs.content,
    mode: attrs.mode,
    owner: attrs.owner,
    group: attrs.group,
    sha256: sha256Hex(attrs.content),
  };
}

function upload(name: string, attrs: SystemFileAttrs): Operation {
  const bytes = Buffer.byteLength(attrs.content, 'utf8');
  return {
    host: attrs.host,
    commands: [installFile(attrs, attrs.content)],
    trace: [
      `[system] FILE \`${name}\` -> ${attrs.host}:${attrs.path} (${bytes} bytes, mode=${attrs.mode} ${attrs.owner}:${attrs.group})`,
    ],
    record: () => stateOf(attrs),
    // Small files of one host go many to a tar stream; see file-vector-write.ts.
    ...(bytes <= VECTOR_FILE_MAX_BYTES
      ? {
          vector: {
            writer: fileVectorWriter,
            arg: {
              path: attrs.path,
              mode: attrs.mode,
              owner: attrs.owner,
              group: attrs.group,
              content: attrs.content,
            } satisfies FileWrite,
          },
        }
      : {}),
  };
}

export const systemFileKind: KindHandler<SystemFileAttrs> = {
  schema: systemFileSchema,
  identity: ['host', 'path'],
  // State and plans show a system_file's content in the clear, so no secret may reach it.
  secrets: {
    refs: [],
    refusedHint:
      'for a file whose whole content is a secret, use `system_secret_file` with `content = secret.<name>.value`',
  },

  prepare: inlineContentFile,

  claims: ({ attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'file path', value: attrs.path }],
  }),

  create: (request) => upload(request.name, request.attrs),

  update(request) {
    const { attrs } = request;
    if (!fileUnchanged(priorObject(request.prior), attrs, sha256Hex(attrs.content))) {
      return upload(request.name, attrs);
    }
    return {
      host: attrs.host,
      commands: [],
      trace: [`[system] FILE \`${request.name}\` -> ${attrs.host}:${attrs.path} unchanged (sha256 match)`],
      record: () => stateOf(attrs),
    };
  },

  delete(request) {
    const { host, path } = priorPath(request);
    return { host, commands: [{ command: removeFileCommand(path), step: `removal of ${path}` }] };
  },

  probe(request) {
    const { host, path } = priorPath(request);
    return fileProbe({ kind: request.kind, host, path, prior: request.prior });
  },
};
