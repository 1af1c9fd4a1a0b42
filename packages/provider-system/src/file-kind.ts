import type { JsonObject, KindHandler, ProviderContext } from '@stratum/core';
import { sha256Hex } from '@stratum/core';
import { z } from 'zod';
import { absolutePathSchema, accountSchema, addrOf, hostSchema, priorObject, priorTarget } from './attrs';
import { installFile, removeFile } from './file-install';
import { fileProbe } from './file-probe';
import { octalModeSchema, sameMode } from './octal-mode';

/**
 * `system_file`: a file with content, mode and ownership; parent directories
 * are created. A config's `content_file` never reaches the provider: config
 * loading reads the file into `content`.
 */
export const systemFileSchema = z.strictObject({
  host: hostSchema,
  path: absolutePathSchema,
  content: z.string(),
  mode: octalModeSchema.default('0644'),
  owner: accountSchema.default('root'),
  group: accountSchema.default('root'),
});

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

function stateOf(attrs: SystemFileAttrs, sha256: string): JsonObject {
  return {
    host: attrs.host,
    path: attrs.path,
    content: attrs.content,
    mode: attrs.mode,
    owner: attrs.owner,
    group: attrs.group,
    sha256,
  };
}

async function upload(name: string, addr: string, attrs: SystemFileAttrs, ctx: ProviderContext) {
  const sha256 = sha256Hex(attrs.content);
  await installFile(ctx, { resource: addr, host: attrs.host }, attrs, attrs.content);
  const bytes = Buffer.byteLength(attrs.content, 'utf8');
  ctx.log.trace(
    `[system] FILE \`${name}\` -> ${attrs.host}:${attrs.path} (${bytes} bytes, mode=${attrs.mode} ${attrs.owner}:${attrs.group})`,
  );
  return stateOf(attrs, sha256);
}

export const systemFileKind: KindHandler<SystemFileAttrs> = {
  schema: systemFileSchema,

  create: (request, ctx) => upload(request.name, addrOf(request), request.attrs, ctx),

  async update(request, ctx) {
    const { attrs } = request;
    const sha256 = sha256Hex(attrs.content);
    if (fileUnchanged(priorObject(request.prior), attrs, sha256)) {
      ctx.log.trace(
        `[system] FILE \`${request.name}\` -> ${attrs.host}:${attrs.path} unchanged (sha256 match)`,
      );
      return stateOf(attrs, sha256);
    }
    return upload(request.name, addrOf(request), attrs, ctx);
  },

  async delete(request, ctx) {
    const { host, path } = priorTarget(request);
    await removeFile(ctx, { resource: addrOf(request), host }, path, false);
  },

  probe(request) {
    const { host, path } = priorTarget(request);
    return fileProbe({ kind: request.kind, host, path, prior: request.prior });
  },
};
