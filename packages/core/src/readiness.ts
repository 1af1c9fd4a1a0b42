import { setTimeout as delay } from 'node:timers/promises';
import { StratumError } from './errors';

/** Options of {@link pollContainerHealth}. */
export interface PollContainerHealthOptions {
  /** Pause between polls. Default 1000 ms. */
  intervalMs?: number;
  /** How many times to ask before giving up. Default 60 (one minute at the default interval). */
  maxPolls?: number;
  /** Waits between polls; tests pass a fake. Defaults to a timer that honours `signal`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Stops the wait (the operator interrupted the apply). */
  signal?: AbortSignal;
  /** The container's name, for error messages. */
  container?: string;
}

/** Why a readiness wait failed. */
export type ContainerHealthCode = 'ContainerUnhealthy' | 'ContainerHealthTimeout';

/** A container that did not become healthy after create / update. */
export class ContainerHealthError extends StratumError<ContainerHealthCode> {
  /** The container, when the caller named it. */
  readonly container: string | undefined;
  /** The last status docker reported (`unhealthy`, `starting`, …). */
  readonly lastStatus: string;
  /** How many times the status was read. */
  readonly polls: number;

  constructor(code: ContainerHealthCode, container: string | undefined, lastStatus: string, polls: number) {
    const who = container === undefined ? 'container' : `container \`${container}\``;
    const message =
      code === 'ContainerUnhealthy'
        ? `${who} reported \`unhealthy\` after ${polls} health ${polls === 1 ? 'check' : 'checks'}`
        : `${who} was not healthy after ${polls} polls; last status \`${lastStatus || '<empty>'}\``;
    super(code, message, {
      hint:
        code === 'ContainerUnhealthy'
          ? `look at \`docker logs ${container ?? '<name>'}\` and at the healthcheck's \`test\` command`
          : `check \`docker inspect ${container ?? '<name>'}\`; raise \`start_period\` if the container needs longer to start`,
    });
    this.name = 'ContainerHealthError';
    this.container = container;
    this.lastStatus = lastStatus;
    this.polls = polls;
  }
}

/** What docker prints for a container without a healthcheck. */
const NO_HEALTHCHECK = new Set(['', 'none', '<no value>']);

/**
 * Waits for a container's docker health status to become `healthy`.
 * `inspect` returns the output of
 * `docker inspect --format '{{.State.Health.Status}}' <name>` (surrounding
 * whitespace ignored).
 *
 * - `healthy` → resolves;
 * - `unhealthy` → rejects with `ContainerUnhealthy`;
 * - empty / `none` on the FIRST poll → resolves: docker runs no healthcheck,
 *   so there is nothing to wait for (later, an empty status is just not ready yet);
 * - anything else (`starting`) → asks again after `intervalMs`;
 * - `maxPolls` reads without an answer → rejects with `ContainerHealthTimeout`
 *   naming the last status.
 *
 * Errors thrown by `inspect` propagate unchanged.
 */
export async function pollContainerHealth(
  inspect: () => Promise<string>,
  options: PollContainerHealthOptions = {},
): Promise<void> {
  const intervalMs = options.intervalMs ?? 1000;
  const maxPolls = options.maxPolls ?? 60;
  const sleep = options.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal }));
  let status = '';
  for (let poll = 1; poll <= maxPolls; poll++) {
    options.signal?.throwIfAborted();
    status = (await inspect()).trim();
    if (status === 'healthy') return;
    if (status === 'unhealthy')
      throw new ContainerHealthError('ContainerUnhealthy', options.container, status, poll);
    if (poll === 1 && NO_HEALTHCHECK.has(status)) return;
    if (poll < maxPolls) await sleep(intervalMs, options.signal);
  }
  throw new ContainerHealthError('ContainerHealthTimeout', options.container, status, maxPolls);
}
