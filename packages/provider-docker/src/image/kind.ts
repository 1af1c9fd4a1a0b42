import type { JsonObject, KindHandler, ProviderContext } from '@stratum/core';
import { DockerError } from '../shared/errors';
import { requirePriorHost } from '../shared/prior';
import { runChecked } from '../shared/run';
import { stringField } from '../shared/schema-parts';
import { buildArgEntries, buildImageCommand, imageIdCommand, removeImageCommand } from './commands';
import { parseImageId, parseImageProbe } from './probe';
import { type ImageAttrs, imageSchema } from './schema';

const KIND = 'docker_image';
const BUILD_TIMEOUT_MS = 60 * 60_000;

/**
 * `docker_image`: builds an image on the host with BuildKit and records its
 * id. Create and update run the same build; when the tag (or host) changed,
 * the old tag is removed afterwards, best-effort.
 *
 * State is the parsed attrs (defaults filled) plus `image_id` and its alias `id`.
 */
export const dockerImageKind: KindHandler<ImageAttrs> = {
  schema: imageSchema,

  async create({ name, attrs }, ctx) {
    return build(name, attrs, ctx);
  },

  async update({ name, attrs, prior }, ctx) {
    const state = await build(name, attrs, ctx);
    const priorTag = stringField(prior, 'tag');
    const priorHost = stringField(prior, 'host') ?? attrs.host;
    if (priorTag !== undefined && (priorTag !== attrs.tag || priorHost !== attrs.host)) {
      await removeBestEffort(priorHost, priorTag, ctx);
    }
    return state;
  },

  async delete({ name, prior }, ctx) {
    const host = requirePriorHost(KIND, name, prior);
    const tag = stringField(prior, 'tag');
    if (tag === undefined) return;
    ctx.log.trace(`[docker] IMAGE \`${tag}\` on ${host} (delete)`);
    await removeBestEffort(host, tag, ctx);
  },

  probe({ name, prior }) {
    const host = stringField(prior, 'host') ?? '';
    const tag = stringField(prior, 'tag') ?? name;
    return {
      host,
      script: imageIdCommand(tag),
      parse: (output, exitCode) => parseImageProbe(prior, host, tag, output, exitCode),
    };
  },
};

async function build(resource: string, attrs: ImageAttrs, ctx: ProviderContext): Promise<JsonObject> {
  ctx.log.trace(`[docker] IMAGE \`${attrs.tag}\` on ${attrs.host} (context=${attrs.context})`);
  const target = {
    kind: KIND,
    resource,
    host: attrs.host,
    sensitive: buildArgEntries(attrs).map(([, v]) => v),
  };
  await runChecked(
    ctx,
    {
      ...target,
      step: 'docker build',
      timeoutMs: BUILD_TIMEOUT_MS,
      hint: 'read the build error above; BuildKit builds need the docker engine to support BuildKit (and, with a docker CLI of 23 or later, the buildx plugin)',
    },
    buildImageCommand(attrs),
  );
  const listed = await runChecked(ctx, { ...target, step: 'docker images' }, imageIdCommand(attrs.tag));
  const imageId = parseImageId(listed.stdout);
  if (typeof imageId !== 'string') {
    throw new DockerError(
      'DockerUnexpectedOutput',
      `${KIND} \`${resource}\` on ${attrs.host}: the build succeeded but docker lists no image for \`${attrs.tag}\``,
      { kind: KIND, resource, host: attrs.host, hint: 'check `docker images` on the host and apply again' },
    );
  }
  return { ...(attrs as unknown as JsonObject), image_id: imageId, id: imageId };
}

/** `docker rmi`, best-effort: an image still used by a container stays, with a warning. */
async function removeBestEffort(host: string, tag: string, ctx: ProviderContext): Promise<void> {
  const result = await ctx.transport.exec(host, removeImageCommand(tag), { signal: ctx.signal });
  if (result.exitCode === 0 || /No such image/i.test(result.stderr + result.stdout)) return;
  ctx.log.warn(`[docker] could not remove image \`${tag}\` on ${host}: ${result.stderr.trim()}`);
}
