import { addrKey } from '../addr';
import type { DesiredResource } from '../types';
import { PlanError } from './errors';

/** What one `docker_container.ports` entry asks of the host. */
export type PortSpec =
  /** A fixed host port: `H:C`, `IP:H:C`, each optionally `/proto`. `ip` is undefined for "all interfaces". */
  | {
      readonly type: 'bind';
      readonly ip: string | undefined;
      readonly hostPort: number;
      readonly proto: string;
    }
  /** Docker picks the host port (`"5432"`, `"127.0.0.1::5432"`): nothing to check. */
  | { readonly type: 'random' }
  /** A port range (`8000-8010:8000-8010`): not checked, worth a warning. */
  | { readonly type: 'range' }
  /** A shape this validator does not know: skipped so new docker syntax never blocks a plan. */
  | { readonly type: 'unknown' };

const PORT = /^\d{1,5}$/;
const RANGE = /^\d{1,5}-\d{1,5}$/;
/** Addresses that bind every interface of their family. */
const WILDCARD_IPS = new Set(['0.0.0.0', '::', '[::]']);

/** Parses one docker `-p` spec as far as the port-conflict check needs. */
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

interface Claim {
  readonly addr: string;
  readonly spec: string;
  readonly ip: string | undefined;
}

/**
 * Checks every `docker_container.ports` entry of the desired set for two
 * resources binding one port on one host. A wildcard bind (`N:C`,
 * `0.0.0.0:N:C`) collides with any bind of port N; two specific IPs collide
 * only when equal. TCP and UDP are separate port spaces, so `53:53/udp` and
 * `53:53/tcp` never collide. Entries of one resource are not checked against
 * each other.
 *
 * @returns warnings for entries that were not checked (port ranges).
 * @throws PlanError `PortConflict` naming both resources, the host and the port.
 */
export function checkPortConflicts(desired: readonly DesiredResource[]): string[] {
  const warnings: string[] = [];
  const claims = new Map<string, Claim[]>();
  for (const resource of desired) {
    if (resource.addr.kind !== 'docker_container') continue;
    const ports = resource.attrs.ports;
    if (!Array.isArray(ports)) continue;
    const addr = addrKey(resource.addr);
    const host = typeof resource.attrs.host === 'string' ? resource.attrs.host : '';
    for (const entry of ports) {
      if (typeof entry !== 'string') continue;
      const parsed = parsePortSpec(entry);
      if (parsed.type === 'range') {
        warnings.push(`\`${addr}\`: port range \`${entry}\` is not checked for conflicts`);
        continue;
      }
      if (parsed.type !== 'bind') continue;
      const slot = `${host}\0${parsed.hostPort}/${parsed.proto}`;
      const taken = claims.get(slot) ?? [];
      for (const other of taken) {
        if (other.addr === addr) continue;
        if (other.ip === undefined || parsed.ip === undefined || other.ip === parsed.ip) {
          throw new PlanError(
            'PortConflict',
            `port conflict on host \`${host}\`: \`${other.addr}\` (\`${other.spec}\`) and \`${addr}\` (\`${entry}\`) both bind port ${parsed.hostPort}${parsed.proto === 'tcp' ? '' : `/${parsed.proto}`}`,
            {
              addresses: [other.addr, addr],
              host,
              port: parsed.hostPort,
              hint: 'give one of them another host port or a different bind address, or drop the `ports` entry if the container needs no host port',
            },
          );
        }
      }
      taken.push({ addr, spec: entry, ip: parsed.ip });
      claims.set(slot, taken);
    }
  }
  return warnings;
}
