import type { ExecResult, ReadinessPoll, ReadinessVerdict } from '@stratum/core';
import { outputTail } from '@stratum/core/kit';
import { DockerError } from '../shared/errors';
import { healthStatusCommand } from './commands';

const KIND = 'docker_container';

/**
 * Docker's ways of saying "this container has no healthcheck" when asked for
 * `{{.State.Health.Status}}`: recent clients fail the template (`map has no
 * entry for key "Health"`), older ones hit a nil pointer or print `<no value>`.
 */
const NO_HEALTH = /map has no entry for key "?Health"?|nil pointer evaluating[^\n]*Health|<no value>/;

/** The statuses that mean docker runs no healthcheck for the container. */
const NO_HEALTHCHECK = new Set(['', 'none', '<no value>']);

/**
 * One health read as a status: docker's status on success (`starting`,
 * `healthy`, `unhealthy`), `''` when the container has no healthcheck.
 * Undefined for a failure that means something else (no such container,
 * daemon down).
 */
export function healthStatusFromResult(stdout: string, stderr: string, exitCode: number): string | undefined {
  if (exitCode === 0) {
    const status = stdout.trim();
    return status === '<no value>' ? '' : status;
  }
  return NO_HEALTH.test(`${stderr}\n${stdout}`) ? '' : undefined;
}

/** Which container a readiness wait is about. */
export interface HealthTarget {
  /** The resource name (its label in the config). */
  readonly resource: string;
  readonly host: string;
  /** The container's name on the host. */
  readonly container: string;
}

/** Why a readiness wait failed. */
export type ContainerHealthCode = 'ContainerUnhealthy' | 'ContainerHealthTimeout';

/** A container that did not become healthy after create / update. */
export class ContainerHealthError extends DockerError<ContainerHealthCode> {
  static override readonly marker: string = '@stratum/provider-docker/ContainerHealthError';

  /** The container's name on its host. */
  readonly container: string;
  /** The last status docker reported (`unhealthy`, `starting`, …). */
  readonly lastStatus: string;
  /** How many times the status was read. */
  readonly polls: number;

  constructor(code: ContainerHealthCode, where: HealthTarget, lastStatus: string, polls: number) {
    const who = `container \`${where.container}\``;
    super(
      code,
      code === 'ContainerUnhealthy'
        ? `${who} reported \`unhealthy\` after ${polls} health ${polls === 1 ? 'check' : 'checks'}`
        : `${who} was not healthy after ${polls} polls; last status \`${lastStatus || '<empty>'}\``,
      {
        kind: KIND,
        resource: where.resource,
        host: where.host,
        hint:
          code === 'ContainerUnhealthy'
            ? `look at \`docker logs ${where.container}\` and at the healthcheck's \`test\` command`
            : `check \`docker container inspect ${where.container}\`; raise \`start_period\` if the container needs longer to start`,
      },
    );
    this.name = 'ContainerHealthError';
    this.container = where.container;
    this.lastStatus = lastStatus;
    this.polls = polls;
  }
}

/**
 * The readiness of a container with a healthcheck: ask docker for its health
 * status once a second, up to 60 times.
 *
 * - `healthy` → ready;
 * - `unhealthy` → failed (`ContainerUnhealthy`);
 * - no healthcheck at docker's level (empty, `none`, `<no value>`, the
 *   template error) on the FIRST poll → ready: there is nothing to wait for
 *   (later, an empty status is just not ready yet);
 * - anything else (`starting`) → waiting;
 * - out of polls → `ContainerHealthTimeout` naming the last status;
 * - a read that fails otherwise (the container is gone, docker is down) →
 *   failed, naming the container.
 */
export function containerHealthReadiness(where: HealthTarget): ReadinessPoll {
  return {
    type: 'poll',
    host: where.host,
    command: healthStatusCommand(where.container),
    intervalMs: 1000,
    maxPolls: 60,
    check: (result, poll) => verdict(where, result, poll),
    timedOut: (last, polls) =>
      new ContainerHealthError('ContainerHealthTimeout', where, statusOf(last) ?? '', polls),
  };
}

function verdict(where: HealthTarget, result: ExecResult, poll: number): ReadinessVerdict {
  const status = statusOf(result);
  if (status === undefined) return { failed: unreadable(where, result) };
  if (status === 'healthy') return 'ready';
  if (status === 'unhealthy') {
    return { failed: new ContainerHealthError('ContainerUnhealthy', where, status, poll) };
  }
  if (poll === 1 && NO_HEALTHCHECK.has(status)) return 'ready';
  return 'waiting';
}

function statusOf(result: ExecResult | undefined): string | undefined {
  return result === undefined
    ? undefined
    : healthStatusFromResult(result.stdout, result.stderr, result.exitCode);
}

/** The health status could not be read: the container is gone, or docker is down. */
function unreadable(where: HealthTarget, result: ExecResult): DockerError {
  const said = outputTail(result.stderr.trim() === '' ? result.stdout : result.stderr);
  return new DockerError(
    'ContainerHealthUnreadable',
    `${KIND}.${where.resource}: reading the health status of container \`${where.container}\` on ${where.host} failed (exit ${result.exitCode})${said === '' ? '' : `:\n${said}`}`,
    {
      kind: KIND,
      resource: where.resource,
      host: where.host,
      hint: `check that the container is still there: \`docker ps -a --filter name=${where.container}\``,
    },
  );
}
