import { addrKey, type JsonValue, type Plan, type PlannedResource } from '@stratum/core';
import { CliError } from '../errors';

/** A host a refresh could not read, with the first message it gave. */
export interface UnreachableHost {
  host: string;
  message: string;
}

/**
 * The hosts behind the steps core marked `drift.unreachable` (the host could
 * not be read at all: refused connection, host key refused, ...), each once,
 * in plan order, with the first `unreadable` text seen for it.
 */
export function unreachableHosts(plan: Plan): UnreachableHost[] {
  const hosts = new Map<string, string>();
  for (const step of plan.steps) {
    if (!step.drift?.unreachable) continue;
    const host = hostOf(step);
    if (!hosts.has(host)) hosts.set(host, step.drift.unreadable ?? 'could not be read');
  }
  return [...hosts].map(([host, message]) => ({ host, message }));
}

/**
 * A refresh that could not read a host did not look at it: after the plan is
 * printed, that is an error naming each such host once. `undefined` when every
 * host was read.
 */
export function unreachableError(
  plan: Plan,
  options: { selfCheck?: boolean; details?: readonly string[] } = {},
): CliError | undefined {
  const hosts = unreachableHosts(plan);
  if (hosts.length === 0) return undefined;
  const one = hosts.length === 1;
  const what = options.selfCheck ? 'the post-apply self-check' : 'the refresh';
  const title = `${what} could not read ${one ? 'a host' : `${hosts.length} hosts`}, so ${options.selfCheck ? 'its drift report' : 'the plan'} is incomplete:`;
  return new CliError('HostUnreachable', title, {
    details: [...hosts.map(({ host, message }) => `  ${host}: ${message}`), ...(options.details ?? [])],
    hint: options.selfCheck
      ? `check that ssh to ${one ? 'that host' : 'those hosts'} still works (a firewall step can lock ssh out), then run \`stratum plan --refresh\``
      : `${one ? 'its' : 'their'} resources show as unreadable and were not checked for drift; check that ssh to ${one ? 'the host' : 'each host'} works (is it up, the port, its host key), then re-run`,
  });
}

/** The host a step's resource lives on, as its state (or config) names it. */
function hostOf(step: PlannedResource): string {
  return hostField(step.prior) ?? hostField(step.desired) ?? addrKey(step.addr);
}

function hostField(attrs: JsonValue | undefined): string | undefined {
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) return undefined;
  const host = attrs.host;
  return typeof host === 'string' && host !== '' ? host : undefined;
}
