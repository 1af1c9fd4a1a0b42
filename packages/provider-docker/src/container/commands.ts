import { shellQuote } from '@stratum/core/kit';
import { runArgv } from './run-command';
import type { ContainerAttrs } from './schema';

/**
 * The shell scripts of `docker_container`. Every value is shell-quoted; the
 * scripts must never be logged or put in errors (env values may be secrets).
 */

/**
 * Create: `docker pull IMG >/dev/null && docker run -d ... IMG [cmd]` (no pull
 * when `pull = false`). A failed pull fails the step rather than silently
 * running a stale local image.
 */
export function createContainerScript(resource: string, name: string, attrs: ContainerAttrs): string {
  return recreateContainerScript(resource, name, attrs, []);
}

/**
 * Recreate: pull first, then `docker rm -f` each name in `remove` (the prior
 * and desired names), then run. Pulling before removing means a registry
 * outage or an image typo fails the step while the old container keeps serving.
 */
export function recreateContainerScript(
  resource: string,
  name: string,
  attrs: ContainerAttrs,
  remove: readonly string[],
): string {
  const steps: string[] = [];
  if (attrs.pull) steps.push(`docker pull ${shellQuote(attrs.image)} >/dev/null`);
  for (const old of new Set(remove))
    steps.push(`{ docker rm -f ${shellQuote(old)} >/dev/null 2>&1 || true; }`);
  steps.push(runWithNetworks(resource, name, attrs));
  return steps.join(' && ');
}

/**
 * `docker run`, then `docker network connect` for every network after the
 * first: engines before API 1.44 refuse several `--network` flags on one run.
 * If a connect fails the new container is removed again, so a retry starts clean.
 */
function runWithNetworks(resource: string, name: string, attrs: ContainerAttrs): string {
  const run = runArgv(resource, name, attrs).map(shellQuote).join(' ');
  const extra = (attrs.networks ?? []).slice(1);
  if (extra.length === 0) return run;
  const n = shellQuote(name);
  const connects = extra
    .map((net) => `docker network connect ${shellQuote(net)} ${n} >/dev/null`)
    .join(' && ');
  return `${run} && { ${connects} || { docker rm -f ${n} >/dev/null 2>&1; exit 1; }; }`;
}

/** Removes the container, running or not. */
export function removeContainerCommand(name: string): string {
  return `docker rm -f ${shellQuote(name)}`;
}

/** Prints the container as one JSON line (the probe). */
export function inspectContainerCommand(name: string): string {
  // `docker container inspect`, not `docker inspect`: a name that is also the prefix of an image
  // ID (`db`, `cafe`) would otherwise inspect that image when the container is gone.
  return `docker container inspect ${shellQuote(name)} --format '{{json .}}'`;
}

/** Prints the container's health status (the readiness poll). */
export function healthStatusCommand(name: string): string {
  return `docker container inspect --format '{{.State.Health.Status}}' ${shellQuote(name)}`;
}

/** Docker's "no such container", in the words of old and new engines and clients. */
export const NO_SUCH_CONTAINER = /No such (object|container)/i;
