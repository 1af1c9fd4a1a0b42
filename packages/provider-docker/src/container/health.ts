import type { Transport } from '@stratum/core';
import { DockerError } from '../shared/errors';
import { tail } from '../shared/output';
import { healthStatusCommand } from './commands';

/**
 * Docker's ways of saying "this container has no healthcheck" when asked for
 * `{{.State.Health.Status}}`: recent clients fail the template (`map has no
 * entry for key "Health"`), older ones hit a nil pointer or print `<no value>`.
 */
const NO_HEALTH = /map has no entry for key "?Health"?|nil pointer evaluating[^\n]*Health|<no value>/;

/**
 * Maps one health read to the status core's `pollContainerHealth` expects:
 * docker's status on success, `''` when the container has no healthcheck.
 * Returns undefined for a failure that means something else (no such
 * container, daemon down).
 */
export function healthStatusFromResult(stdout: string, stderr: string, exitCode: number): string | undefined {
  if (exitCode === 0) {
    const status = stdout.trim();
    return status === '<no value>' ? '' : status;
  }
  return NO_HEALTH.test(`${stderr}\n${stdout}`) ? '' : undefined;
}

/**
 * A health inspector for core's `pollContainerHealth`: each call runs
 * `docker inspect --format '{{.State.Health.Status}}' NAME` on `host` and
 * resolves to the status (`starting`, `healthy`, `unhealthy`), or `''` when
 * the container has no healthcheck so the first poll lets the apply proceed.
 * Any other failure (the container is gone, docker is down) rejects with a
 * {@link DockerError}.
 */
export function containerHealthInspector(
  transport: Transport,
  host: string,
  name: string,
  options: { signal?: AbortSignal } = {},
): () => Promise<string> {
  const command = healthStatusCommand(name);
  return async () => {
    const result = await transport.exec(host, command, { signal: options.signal, idempotent: true });
    const status = healthStatusFromResult(result.stdout, result.stderr, result.exitCode);
    if (status !== undefined) return status;
    const stderrTail = tail(result.stderr.trim() === '' ? result.stdout : result.stderr);
    throw new DockerError(
      'DockerCommandFailed',
      `docker_container \`${name}\` on ${host}: reading the health status failed (exit ${result.exitCode}): ${stderrTail}`,
      {
        kind: 'docker_container',
        resource: name,
        host,
        exitCode: result.exitCode,
        stderrTail,
        hint: `check that the container is still there: \`docker ps -a --filter name=${name}\``,
      },
    );
  };
}
