import { DockerError } from '../shared/errors';
import { compareKeysByCodePoint } from '../shared/sort';
import type { ContainerAttrs } from './schema';

/**
 * Lowers `docker_container` attributes to the argv of `docker run`, in one
 * fixed order (so the same attrs always give the same command):
 *
 * ```
 * docker run -d --name NAME --restart RESTART
 *   -e KEY=VALUE ...        env, keys sorted
 *   -p SPEC ...             ports, as listed
 *   -v SPEC ...             volumes, as listed
 *   -l KEY=VALUE ...        labels, keys sorted
 *   --network FIRST         the first of `networks` (the rest are connected after the run)
 *   --memory M --memory-swap S
 *   --health-cmd T --health-interval I --health-retries R --health-timeout T --health-start-period S
 *   IMAGE [command tokens]
 * ```
 *
 * Returns plain tokens; the caller shell-quotes each one. Pure.
 */
export function runArgv(resource: string, name: string, attrs: ContainerAttrs): string[] {
  const argv = ['docker', 'run', '-d', '--name', name, '--restart', attrs.restart];
  for (const [key, value] of sortedEntries(attrs.env)) argv.push('-e', `${key}=${envValue(value)}`);
  for (const port of attrs.ports ?? []) argv.push('-p', port);
  for (const volume of attrs.volumes ?? []) argv.push('-v', volume);
  for (const [key, value] of sortedEntries(attrs.labels)) argv.push('-l', `${key}=${value}`);
  const firstNetwork = attrs.networks?.[0];
  if (firstNetwork !== undefined) argv.push('--network', firstNetwork);
  if (attrs.memory !== undefined) argv.push('--memory', attrs.memory);
  if (attrs.memory_swap !== undefined) argv.push('--memory-swap', attrs.memory_swap);
  argv.push(...healthFlags(resource, attrs.healthcheck));
  argv.push(attrs.image, ...commandTokens(resource, attrs.command));
  return argv;
}

/** An env value as docker receives it: strings as they are, anything else JSON-stringified. */
export function envValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}

/**
 * `command` as argv tokens. The string form splits on whitespace; each element
 * of the list form is one token, whatever it contains. Anything else is an
 * error naming the resource (the schema rejects it at plan time already; this
 * guards callers that skip the schema).
 */
export function commandTokens(resource: string, command: unknown): string[] {
  if (command === undefined || command === null) return [];
  if (typeof command === 'string') return command.split(/\s+/).filter((t) => t !== '');
  if (Array.isArray(command) && command.every((t) => typeof t === 'string')) return [...command];
  throw new DockerError(
    'DockerInvalidAttribute',
    `\`${resource}\` command must be a string or a list of strings, got ${describeType(command)}`,
    {
      kind: 'docker_container',
      resource,
      hint: 'write `command = "a b c"` (split on whitespace) or `command = ["sh", "-c", "a line"]` (one token per element)',
    },
  );
}

/**
 * The `--health-*` flags. `test` is required; `timeout` defaults to 30s and
 * `start_period` to 0s (always passed), `interval` and `retries` are passed
 * only when given so docker's defaults apply.
 */
export function healthFlags(resource: string, healthcheck: unknown): string[] {
  if (healthcheck === undefined || healthcheck === null) return [];
  const hc = (typeof healthcheck === 'object' && !Array.isArray(healthcheck) ? healthcheck : {}) as Record<
    string,
    unknown
  >;
  if (typeof hc.test !== 'string' || hc.test === '') {
    throw new DockerError(
      'DockerInvalidAttribute',
      `\`${resource}\` healthcheck missing required field \`test\``,
      {
        kind: 'docker_container',
        resource,
        hint: 'add `test = "<shell command that exits 0 when healthy>"` to the healthcheck map',
      },
    );
  }
  const flags = ['--health-cmd', hc.test];
  if (hc.interval !== undefined) flags.push('--health-interval', String(hc.interval));
  if (hc.retries !== undefined) flags.push('--health-retries', String(hc.retries));
  flags.push('--health-timeout', hc.timeout === undefined ? '30s' : String(hc.timeout));
  flags.push('--health-start-period', hc.start_period === undefined ? '0s' : String(hc.start_period));
  return flags;
}

function sortedEntries<V>(map: Record<string, V> | undefined): [string, V][] {
  if (map === undefined) return [];
  return Object.entries(map).sort(([a], [b]) => compareKeysByCodePoint(a, b));
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list with non-string elements';
  if (typeof value === 'object') return 'a map';
  return `a ${typeof value}`;
}
