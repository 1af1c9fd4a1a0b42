import type { ExecResult, HostCommand, JsonObject, KindHandler, Operation } from '@stratum/core';
import { priorHost, priorString } from '@stratum/core/kit';
import { DockerError } from '../shared/errors';
import {
  buildArgEntries,
  buildImageCommand,
  imageIdCommand,
  NO_SUCH_IMAGE,
  removeImageCommand,
} from './commands';
import { parseImageId, parseImageProbe } from './probe';
import { type ImageAttrs, imageSchema } from './schema';

const KIND = 'docker_image';
const BUILD_TIMEOUT_MS = 60 * 60_000;
const BUILD_HINT =
  'read the build error above; BuildKit builds need the docker engine to support BuildKit (and, with a docker CLI of 23 or later, the buildx plugin)';

/**
 * `docker_image`: builds an image on the host with BuildKit and records its
 * id. Create and update run the same build; when the tag (or host) changed,
 * the old tag is removed afterwards, best-effort.
 *
 * State is the parsed attrs (defaults filled) plus `image_id` and its alias `id`.
 */
export const dockerImageKind: KindHandler<ImageAttrs> = {
  schema: imageSchema,
  identity: ['host', 'tag'],
  outputs: {
    image_id:
      'The id (`sha256:...`) of the image the last build made. A container that runs `image = docker_image.<name>.image_id` is recreated whenever a build makes a new image.',
    id: 'The same as `image_id`.',
  },
  // Build args are the usual place for a registry token.
  secrets: { refs: '*' },

  claims({ attrs }) {
    return { host: attrs.host, claims: [{ type: 'name', space: 'image tag', value: attrs.tag }] };
  },

  create({ name, attrs }) {
    return build(name, attrs, []);
  },

  update({ name, attrs, prior }) {
    const recordedTag = priorString(prior, 'tag');
    const recordedHost = priorString(prior, 'host') ?? attrs.host;
    const retagged = recordedTag !== undefined && (recordedTag !== attrs.tag || recordedHost !== attrs.host);
    return build(name, attrs, retagged ? [removeCommand(recordedTag, recordedHost)] : []);
  },

  delete(request) {
    const host = priorHost(request);
    const tag = priorString(request.prior, 'tag');
    // Without a recorded tag there is nothing docker could be asked to remove.
    if (tag === undefined) return { host, commands: [] };
    return {
      host,
      commands: [removeCommand(tag, host)],
      trace: [`[docker] IMAGE \`${tag}\` on ${host} (delete)`],
    };
  },

  probe({ name, prior }) {
    const host = priorString(prior, 'host') ?? '';
    const tag = priorString(prior, 'tag') ?? name;
    return {
      host,
      script: imageIdCommand(tag),
      parse: (output, exitCode) => parseImageProbe(prior, host, tag, output, exitCode),
    };
  },
};

/** The build, the id lookup, then `cleanup`; records the attrs with the id the lookup printed. */
function build(resource: string, attrs: ImageAttrs, cleanup: readonly HostCommand[]): Operation {
  const sensitive = buildArgEntries(attrs).map(([, value]) => value);
  return {
    host: attrs.host,
    commands: [
      {
        command: buildImageCommand(attrs),
        step: 'docker build',
        sensitive,
        timeoutMs: BUILD_TIMEOUT_MS,
        hint: BUILD_HINT,
      },
      { command: imageIdCommand(attrs.tag), step: 'docker images', sensitive },
      ...cleanup,
    ],
    trace: [`[docker] IMAGE \`${attrs.tag}\` on ${attrs.host} (context=${attrs.context})`],
    record: (results) => recordBuilt(resource, attrs, results[1]),
  };
}

function recordBuilt(resource: string, attrs: ImageAttrs, listed: ExecResult | undefined): JsonObject {
  const imageId = parseImageId(listed?.stdout ?? '');
  if (typeof imageId !== 'string') {
    throw new DockerError(
      'DockerUnexpectedOutput',
      `${KIND}.${resource}: the build on ${attrs.host} succeeded but docker lists no image for \`${attrs.tag}\``,
      { kind: KIND, resource, host: attrs.host, hint: 'check `docker images` on the host and apply again' },
    );
  }
  return { ...(attrs as unknown as JsonObject), image_id: imageId, id: imageId };
}

/** `docker rmi`, best-effort: an image still used by a container stays, with a warning. */
function removeCommand(tag: string, host: string): HostCommand {
  return {
    command: removeImageCommand(tag),
    step: `docker rmi ${tag}`,
    host,
    okIfOutput: NO_SUCH_IMAGE,
    onFailure: 'warn',
  };
}
