import type { PortClaim } from '@stratum/core';

/** What one `docker_container.ports` entry asks of the host. */
export type PortSpec =
  /** A fixed host port: `H:C`, `IP:H:C`, `[v6]:H:C`, each optionally `/proto`. `ip` is undefined for "all interfaces". */
  | {
      readonly type: 'bind';
      readonly ip: string | undefined;
      readonly hostPort: number;
      readonly proto: string;
    }
  /** Docker picks the host port (`"5432"`, `"127.0.0.1::5432"`): nothing to claim. */
  | { readonly type: 'random' }
  /** A port range (`8000-8010:8000-8010`): not checked, worth a warning. */
  | { readonly type: 'range' }
  /** A shape this parser does not know: skipped so new docker syntax never blocks a plan. */
  | { readonly type: 'unknown' };

const PORT = /^\d{1,5}$/;
const RANGE = /^\d{1,5}-\d{1,5}$/;
/** Addresses that bind every interface of their family. */
const WILDCARD_IPS = new Set(['0.0.0.0', '::', '[::]']);

/** Parses one docker `-p` spec as far as the port claims need. */
export function parsePortSpec(spec: string): PortSpec {
  let body = spec.trim();
  let proto = 'tcp';
  const slash = body.lastIndexOf('/');
  if (slash !== -1) {
    proto = body.slice(slash + 1).toLowerCase();
    body = body.slice(0, slash);
    if (proto === '') return { type: 'unknown' };
  }
  let ip: string | undefined;
  let rest = body;
  if (body.startsWith('[')) {
    // IPv6 literal: `[::1]:8080:80`.
    const close = body.indexOf(']:');
    if (close === -1) return { type: 'unknown' };
    ip = body.slice(1, close);
    rest = body.slice(close + 2);
  }
  const parts = rest.split(':');
  let hostPart: string;
  let containerPart: string;
  if (ip !== undefined) {
    if (parts.length !== 2) return { type: 'unknown' };
    [hostPart, containerPart] = parts as [string, string];
  } else if (parts.length === 1) {
    const only = parts[0]!;
    if (PORT.test(only)) return { type: 'random' };
    return RANGE.test(only) ? { type: 'range' } : { type: 'unknown' };
  } else if (parts.length === 2) {
    [hostPart, containerPart] = parts as [string, string];
  } else if (parts.length === 3) {
    [ip, hostPart, containerPart] = parts as [string, string, string];
    if (ip === '') return { type: 'unknown' };
  } else {
    return { type: 'unknown' };
  }
  if (RANGE.test(hostPart) || RANGE.test(containerPart)) return { type: 'range' };
  if (!PORT.test(containerPart)) return { type: 'unknown' };
  if (hostPart === '') return { type: 'random' };
  if (!PORT.test(hostPart)) return { type: 'unknown' };
  const hostPort = Number(hostPart);
  if (hostPort < 1 || hostPort > 65535) return { type: 'unknown' };
  return { type: 'bind', ip: ip === undefined || WILDCARD_IPS.has(ip) ? undefined : ip, hostPort, proto };
}

/** The host ports `ports` binds, and the entries that could not be checked (ranges). */
export function portClaims(ports: readonly string[]): { claims: PortClaim[]; unchecked: string[] } {
  const claims: PortClaim[] = [];
  const unchecked: string[] = [];
  for (const spec of ports) {
    const parsed = parsePortSpec(spec);
    if (parsed.type === 'range') unchecked.push(`port range \`${spec}\` is not checked for conflicts`);
    if (parsed.type !== 'bind') continue;
    claims.push({
      type: 'port',
      port: parsed.hostPort,
      protocol: parsed.proto,
      bind: parsed.ip,
      label: spec,
    });
  }
  return { claims, unchecked };
}
