import type { JsonObject, KindHandler, ProviderContext } from '@stratum/core';
import { sha256Hex } from '@stratum/core';
import { z } from 'zod';
import { absolutePathSchema, accountSchema, addrOf, hostSchema, priorObject, priorTarget } from './attrs';
import { installFile, removeFile } from './file-install';
import { fileUnchanged } from './file-kind';
import { fileProbe } from './file-probe';
import { octalModeSchema } from './octal-mode';

/**
 * `system_secret_file`: a whole-file secret. The plaintext goes to the host on
 * stdin only; state keeps its sha256 and the permissions, never the content,
 * and trace lines give the byte length only.
 */
export const systemSecretFileSchema = z.strictObject({
  host: hostSchema,
  path: absolutePathSchema,
  content: z.string(),
  mode: octalModeSchema.default('0400'),
  owner: accountSchema.default('root'),
  group: accountSchema.default('root'),
});

export type SystemSecretFileAttrs = z.output<typeof systemSecretFileSchema>;

function stateOf(attrs: SystemSecretFileAttrs, sha256: string): JsonObject {
  return {
    host: attrs.host,
    path: attrs.path,
    mode: attrs.mode,
    owner: attrs.owner,
    group: attrs.group,
    sha256,
  };
}

async function upload(name: string, addr: string, attrs: SystemSecretFileAttrs, ctx: ProviderContext) {
  await installFile(ctx, { resource: addr, host: attrs.host }, attrs, attrs.content);
  const bytes = Buffer.byteLength(attrs.content, 'utf8');
  ctx.log.trace(
    `[system] SECRET_FILE \`${name}\` -> ${attrs.host}:${attrs.path} (${bytes} bytes, mode=${attrs.mode} ${attrs.owner}:${attrs.group})`,
  );
  return stateOf(attrs, sha256Hex(attrs.content));
}

export const systemSecretFileKind: KindHandler<SystemSecretFileAttrs> = {
  schema: systemSecretFileSchema,

  create: (request, ctx) => upload(request.name, addrOf(request), request.attrs, ctx),

  async update(request, ctx) {
    const { attrs } = request;
    const sha256 = sha256Hex(attrs.content);
    if (fileUnchanged(priorObject(request.prior), attrs, sha256)) {
      ctx.log.trace(
        `[system] SECRET_FILE \`${request.name}\` -> ${attrs.host}:${attrs.path} unchanged (sha256 + perms match)`,
      );
      return stateOf(attrs, sha256);
    }
    return upload(request.name, addrOf(request), attrs, ctx);
  },

  async delete(request, ctx) {
    const { host, path } = priorTarget(request);
    await removeFile(ctx, { resource: addrOf(request), host }, path, true);
  },

  probe(request) {
    const { host, path } = priorTarget(request);
    return fileProbe({ kind: request.kind, host, path, prior: request.prior, quiet: true });
  },
};
