import type { JsonObject, KindHandler, Operation } from '@stratum/core';
import {
  absolutePathSchema,
  accountSchema,
  hostSchema,
  octalModeSchema,
  priorObject,
  sha256Hex,
} from '@stratum/core/kit';
import { z } from 'zod';
import { installFile, removeFileCommand } from './file-install';
import { fileUnchanged } from './file-kind';
import { fileProbe } from './file-probe';
import { priorPath } from './prior-path';

/**
 * `system_secret_file`: a whole-file secret. The plaintext goes to the host on
 * stdin only; state keeps its sha256 and the permissions, never the content,
 * and trace lines give the byte length only.
 */
export const systemSecretFileSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the file is written on.'),
    path: absolutePathSchema.describe('The absolute path of the file on the host.'),
    content: z.string().describe('The secret content of the file; it never appears in state, plans or logs.'),
    mode: octalModeSchema
      .default('0400')
      .describe('The octal file mode; readable by the owner only unless set otherwise.'),
    owner: accountSchema.default('root').describe('The owning user, a name or numeric id.'),
    group: accountSchema.default('root').describe('The owning group, a name or numeric id.'),
  })
  .describe(
    'A file whose whole content is a secret, usually `secret.<name>.value`. State keeps only a salted digest of the content; plans and output show a marker.',
  );

export type SystemSecretFileAttrs = z.output<typeof systemSecretFileSchema>;

function stateOf(attrs: SystemSecretFileAttrs): JsonObject {
  return {
    host: attrs.host,
    path: attrs.path,
    mode: attrs.mode,
    owner: attrs.owner,
    group: attrs.group,
    sha256: sha256Hex(attrs.content),
  };
}

function upload(name: string, attrs: SystemSecretFileAttrs): Operation {
  const bytes = Buffer.byteLength(attrs.content, 'utf8');
  // Should the host ever echo the content back, the error shows a mask instead.
  const install = { ...installFile(attrs, attrs.content), sensitive: [attrs.content] };
  return {
    host: attrs.host,
    commands: [install],
    trace: [
      `[system] SECRET_FILE \`${name}\` -> ${attrs.host}:${attrs.path} (${bytes} bytes, mode=${attrs.mode} ${attrs.owner}:${attrs.group})`,
    ],
    record: () => stateOf(attrs),
  };
}

export const systemSecretFileKind: KindHandler<SystemSecretFileAttrs> = {
  schema: systemSecretFileSchema,
  identity: ['host', 'path'],
  // The content is secret however the config writes it, and the one place a secret reference belongs.
  secrets: { attrs: ['content'], refs: ['content'] },
  // State keeps the content's sha256, never the content: the plan compares digests.
  digests: { content: 'sha256' },

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
      trace: [
        `[system] SECRET_FILE \`${request.name}\` -> ${attrs.host}:${attrs.path} unchanged (sha256 + perms match)`,
      ],
      record: () => stateOf(attrs),
    };
  },

  delete(request) {
    const { host, path } = priorPath(request);
    // Best effort: a removal that fails warns instead of stopping the rest of the teardown.
    return {
      host,
      commands: [{ command: removeFileCommand(path), step: `removing ${path}`, onFailure: 'warn' }],
    };
  },

  probe(request) {
    const { host, path } = priorPath(request);
    return fileProbe({ kind: request.kind, host, path, prior: request.prior, quiet: true });
  },
};
