import type { JsonObject, KindHandler, ProviderContext } from '@stratum/core';
import { DockerError } from '../shared/errors';
import { lastLine } from '../shared/output';
import { requirePriorHost } from '../shared/prior';
import { commandFailed, runChecked } from '../shared/run';
import { stringField } from '../shared/schema-parts';
import {
  createContainerScript,
  inspectContainerCommand,
  isNoSuchContainer,
  recreateContainerScript,
  removeContainerCommand,
} from './commands';
import { containerPrior, parseContainerInspect, RUNNING } from './inspect';
import { envValue } from './run-command';
import { type ContainerAttrs, containerSchema } from './schema';

const KIND = 'docker_container';
/** A pull can be slow; the run itself is quick. */
const RUN_TIMEOUT_MS = 15 * 60_000;
const CONTAINER_ID = /^[0-9a-f]{12,64}$/;

/**
 * `docker_container`: a long-running container. Any change recreates it
 * (pull, `docker rm -f`, `docker run`); there is no in-place update.
 *
 * State is the parsed attrs as given (defaults filled, `name` defaulting to
 * the resource label) plus `container_id` (the last line `docker run`
 * printed) and `state: "running"` (see `parseContainerInspect` for why).
 */
export const dockerContainerKind: KindHandler<ContainerAttrs> = {
  schema: containerSchema,

  async create({ name, attrs }, ctx) {
    const containerName = attrs.name ?? name;
    ctx.log.trace(`[docker] CONTAINER \`${containerName}\` on ${attrs.host} (create)`);
    return run(name, containerName, attrs, createContainerScript(name, containerName, attrs), ctx);
  },

  async update({ name, attrs, prior }, ctx) {
    const containerName = attrs.name ?? name;
    const priorHost = stringField(prior, 'host') ?? attrs.host;
    const priorName = stringField(prior, 'name') ?? name;
    ctx.log.trace(`[docker] CONTAINER \`${containerName}\` on ${attrs.host} (recreate)`);
    const remove = [containerName];
    if (priorHost !== attrs.host) await removeContainer(priorHost, priorName, name, ctx);
    else remove.unshift(priorName);
    return run(name, containerName, attrs, recreateContainerScript(name, containerName, attrs, remove), ctx);
  },

  async delete({ name, prior }, ctx) {
    const host = requirePriorHost(KIND, name, prior);
    const containerName = stringField(prior, 'name') ?? name;
    ctx.log.trace(`[docker] CONTAINER \`${containerName}\` on ${host} (delete)`);
    await removeContainer(host, containerName, name, ctx);
  },

  probe({ name, prior }) {
    const normalise = containerPrior(prior);
    const containerName = stringField(prior, 'name') ?? name;
    return {
      host: normalise.host,
      script: inspectContainerCommand(containerName),
      parse: (output, exitCode) => parseContainerInspect(normalise, output, exitCode),
    };
  },
};

async function run(
  resource: string,
  containerName: string,
  attrs: ContainerAttrs,
  script: string,
  ctx: ProviderContext,
): Promise<JsonObject> {
  const result = await runChecked(
    ctx,
    {
      kind: KIND,
      resource,
      host: attrs.host,
      step: attrs.pull ? 'docker pull / docker run' : 'docker run',
      sensitive: sensitiveValues(attrs),
      timeoutMs: RUN_TIMEOUT_MS,
    },
    script,
  );
  const containerId = lastLine(result.stdout);
  if (!CONTAINER_ID.test(containerId)) {
    throw new DockerError(
      'DockerUnexpectedOutput',
      `${KIND} \`${resource}\` on ${attrs.host}: docker run succeeded but printed no container id`,
      {
        kind: KIND,
        resource,
        host: attrs.host,
        hint: `check the container with \`docker ps -a --filter name=${containerName}\`; apply again to recreate it`,
      },
    );
  }
  return {
    ...(attrs as unknown as JsonObject),
    name: containerName,
    container_id: containerId,
    state: RUNNING,
  };
}

/** `docker rm -f`, where a container that is already gone counts as removed. */
async function removeContainer(host: string, containerName: string, resource: string, ctx: ProviderContext) {
  const result = await ctx.transport.exec(host, removeContainerCommand(containerName), {
    signal: ctx.signal,
  });
  if (result.exitCode === 0 || isNoSuchContainer(result.stderr + result.stdout)) return;
  throw commandFailed({ kind: KIND, resource, host, step: 'docker rm -f' }, result);
}

/**
 * Values that may be secret plaintext and must not reach an error: every env
 * value, and list-form command elements that are whole shell lines (the usual
 * place for an interpolated password).
 */
function sensitiveValues(attrs: ContainerAttrs): string[] {
  const values = Object.values(attrs.env ?? {}).map(envValue);
  if (Array.isArray(attrs.command)) values.push(...attrs.command.filter((t) => /\s/.test(t)));
  return values;
}
