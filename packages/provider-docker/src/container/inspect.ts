import type { JsonObject, JsonValue, Observed } from '@stratum/core';
import { priorObject } from '@stratum/core/kit';
import { firstJsonObject, objectOf } from '../shared/json-line';
import { compareKeysByCodePoint } from '../shared/sort';
import { NO_SUCH_CONTAINER } from './commands';

/** The state a running container is recorded with; see {@link parseContainerInspect}. */
export const RUNNING = 'running';

/** What the probe needs from state to normalise an observation. */
export interface ContainerPrior {
  host: string;
  /** Label keys recorded in state: only these are compared. */
  labelKeys: readonly string[];
  /** Whether state declares any network (if not, docker's default `bridge` is not drift). */
  declaresNetworks: boolean;
  /** Whether state records `state` (written by this provider); see below. */
  recordsState: boolean;
}

/**
 * Turns `docker inspect N --format '{{json .}}'` output into an observation
 * shaped like state: `{ host, name, image, restart, labels, networks,
 * container_id }`, plus `state` (below). Absent when docker says there is no
 * such object / container; unknown for other failures or unreadable output.
 *
 * Normalisation, so only real changes show as drift:
 * - `labels`: `com.docker.*` labels dropped, the rest intersected with the
 *   label keys state recorded (image `LABEL`s and daemon labels are not drift);
 * - `networks`: the keys of `NetworkSettings.Networks`, sorted; a container
 *   that declares no network reports `[]` while it sits only on docker's default
 *   `bridge`;
 * - `restart`: `on-failure:N` when a retry count is set;
 * - `name`: without docker's leading `/`.
 *
 * `state` is docker's `State.Status` (`running`, `exited`, `paused`, ...).
 * This provider records `state: "running"` after every create and update, so a
 * container stopped by hand shows as `state: running -> exited` drift (and the
 * update that follows recreates it). It is reported whenever the container is
 * not running, and always when state records it; for state written without the
 * field (older versions) a running container then shows no spurious change.
 */
export function parseContainerInspect(prior: ContainerPrior, output: string, exitCode: number): Observed {
  if (exitCode !== 0) {
    if (NO_SUCH_CONTAINER.test(output)) return { status: 'absent' };
    return {
      status: 'unknown',
      reason: `docker inspect failed (exit ${exitCode}): ${output.trim().slice(0, 500)}`,
    };
  }
  const doc = firstJsonObject(output);
  const config = objectOf(doc?.Config);
  const hostConfig = objectOf(doc?.HostConfig);
  const state = objectOf(doc?.State);
  if (
    doc === undefined ||
    typeof doc.Id !== 'string' ||
    typeof doc.Name !== 'string' ||
    typeof config.Image !== 'string'
  ) {
    return { status: 'unknown', reason: `unreadable docker inspect output: ${output.trim().slice(0, 200)}` };
  }
  const attrs: JsonObject = {
    host: prior.host,
    name: doc.Name.replace(/^\//, ''),
    image: config.Image,
    restart: restartPolicy(objectOf(hostConfig.RestartPolicy)),
    labels: observedLabels(objectOf(config.Labels), prior.labelKeys),
    networks: observedNetworks(objectOf(objectOf(doc.NetworkSettings).Networks), prior.declaresNetworks),
    container_id: doc.Id,
  };
  const status =
    typeof state.Status === 'string' ? state.Status : state.Running === true ? RUNNING : 'unknown';
  if (prior.recordsState || status !== RUNNING) attrs.state = status;
  return { status: 'present', attrs };
}

function restartPolicy(policy: Record<string, unknown>): string {
  const name = typeof policy.Name === 'string' && policy.Name !== '' ? policy.Name : 'no';
  const retries = policy.MaximumRetryCount;
  return name === 'on-failure' && typeof retries === 'number' && retries > 0 ? `${name}:${retries}` : name;
}

function observedLabels(labels: Record<string, unknown>, keys: readonly string[]): JsonObject {
  const wanted = new Set(keys);
  const out: JsonObject = {};
  for (const key of Object.keys(labels).sort(compareKeysByCodePoint)) {
    const value = labels[key];
    if (key.startsWith('com.docker.') || !wanted.has(key) || typeof value !== 'string') continue;
    out[key] = value;
  }
  return out;
}

function observedNetworks(networks: Record<string, unknown>, declared: boolean): string[] {
  const names = Object.keys(networks).sort(compareKeysByCodePoint);
  if (!declared && names.length === 1 && names[0] === 'bridge') return [];
  return names;
}

/** Builds the {@link ContainerPrior} from whatever state holds. */
export function containerPrior(prior: JsonValue): ContainerPrior {
  const recorded = priorObject(prior);
  return {
    host: typeof recorded.host === 'string' ? recorded.host : '',
    labelKeys: Object.keys(priorObject(recorded.labels)),
    declaresNetworks: Array.isArray(recorded.networks) && recorded.networks.length > 0,
    recordsState: typeof recorded.state === 'string',
  };
}
