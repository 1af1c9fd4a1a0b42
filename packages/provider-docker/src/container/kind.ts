import type { ExecResult, HostCommand, JsonObject, KindHandler, Operation } from '@stratum/core';
import { lastLine, priorHost, priorString } from '@stratum/core/kit';
import { DockerError } from '../shared/errors';
import {
  createContainerScript,
  inspectContainerCommand,
  NO_SUCH_CONTAINER,
  recreateContainerScript,
  removeContainerCommand,
} from './commands';
import { containerHealthReadiness } from './health';
import { containerPrior, parseContainerInspect, RUNNING } from './inspect';
import { portClaims } from './ports';
import { envValue } from './run-command';
import { type ContainerAttrs, containerSchema } from './schema';

const KIND = 'docker_container';
/** A pull can be slow; the run itself is quick. */
const RUN_TIMEOUT_MS = 15 * 60_000;
const CONTAINER_ID = /^[0-9a-f]{12,64}$/;
/** Without a healthcheck there is nothing to ask; give docker a moment to wire networks and volumes. */
const SETTLE_MS = 500;

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
  identity: ['host', 'name'],
  // Env values and command arguments are where a container takes its passwords.
  secrets: { refs: '*' },

  claims({ name, attrs }) {
    const ports = portClaims(attrs.ports ?? []);
    return {
      host: attrs.host,
      claims: [...ports.claims, { type: 'name', space: 'container name', value: attrs.name ?? name }],
      ...(ports.unchecked.length > 0 ? { unchecked: ports.unchecked } : {}),
    };
  },

  create({ name, attrs }) {
    const containerName = attrs.name ?? name;
    return run(name, containerName, attrs, {
      script: createContainerScript(name, containerName, attrs),
      trace: `[docker] CONTAINER \`${containerName}\` on ${attrs.host} (create)`,
    });
  },

  update({ name, attrs, prior }) {
    const containerName = attrs.name ?? name;
    const recordedHost = priorString(prior, 'host') ?? attrs.host;
    const recordedName = priorString(prior, 'name') ?? name;
    const moved = recordedHost !== attrs.host;
    // On the same host the run script removes the old container itself, after the pull.
    const remove = moved ? [containerName] : [recordedName, containerName];
    return run(name, containerName, attrs, {
      before: moved ? [removeCommand(recordedName, recordedHost)] : [],
      script: recreateContainerScript(name, containerName, attrs, remove),
      trace: `[docker] CONTAINER \`${containerName}\` on ${attrs.host} (recreate)`,
    });
  },

  delete(request) {
    const host = priorHost(request);
    const containerName = priorString(request.prior, 'name') ?? request.name;
    return {
      host,
      commands: [removeCommand(containerName, host)],
      trace: [`[docker] CONTAINER \`${containerName}\` on ${host} (delete)`],
    };
  },

  ready({ name, attrs, recorded }) {
    if (attrs.healthcheck === undefined) return { type: 'pause', ms: SETTLE_MS };
    const container = priorString(recorded, 'name') ?? attrs.name ?? name;
    return containerHealthReadiness({ resource: name, host: attrs.host, container });
  },

  probe({ name, prior }) {
    const normalise = containerPrior(prior);
    const containerName = priorString(prior, 'name') ?? name;
    return {
      host: normalise.host,
      script: inspectContainerCommand(containerName),
      parse: (output, exitCode) => parseContainerInspect(normalise, output, exitCode),
    };
  },
};

/** The run script (after `before`), recording the attrs with the new container's id. */
function run(
  resource: string,
  containerName: string,
  attrs: ContainerAttrs,
  parts: { before?: readonly HostCommand[]; script: string; trace: string },
): Operation {
  return {
    host: attrs.host,
    commands: [
      ...(parts.before ?? []),
      {
        command: parts.script,
        step: attrs.pull ? 'docker pull / docker run' : 'docker run',
        sensitive: sensitiveValues(attrs),
        timeoutMs: RUN_TIMEOUT_MS,
      },
    ],
    trace: [parts.trace],
    record: (results) => recordRun(resource, containerName, attrs, results.at(-1)),
  };
}

function recordRun(
  resource: string,
  containerName: string,
  attrs: ContainerAttrs,
  ran: ExecResult | undefined,
): JsonObject {
  const containerId = lastLine(ran?.stdout ?? '');
  if (!CONTAINER_ID.test(containerId)) {
    throw new DockerError(
      'DockerUnexpectedOutput',
      `${KIND}.${resource}: docker run on ${attrs.host} succeeded but printed no container id`,
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

/** `docker rm -f` on `host`, where a container that is already gone counts as removed. */
function removeCommand(containerName: string, host: string): HostCommand {
  return {
    command: removeContainerCommand(containerName),
    step: `docker rm -f ${containerName}`,
    host,
    okIfOutput: NO_SUCH_CONTAINER,
  };
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
