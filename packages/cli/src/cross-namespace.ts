import type { DesiredResource } from '@stratum/core';
import { addrKey, parsePortSpec } from '@stratum/core';
import { CliError } from './errors';

/**
 * Namespace mode's check between siblings: two namespaces must not publish the
 * same host port, nor use the same container name, on one host. The planner
 * sees one namespace at a time, so without this the clash would only surface
 * at apply time, as docker failing to bind.
 */
export interface NamespaceResources {
  namespace: string;
  resources: readonly DesiredResource[];
}

interface Claim {
  namespace: string;
  addr: string;
}

export function checkCrossNamespace(
  current: NamespaceResources,
  siblings: readonly NamespaceResources[],
): void {
  const ports = new Map<string, Claim>();
  const names = new Map<string, Claim>();
  for (const sibling of siblings) {
    for (const c of containers(sibling.resources)) {
      const claim = { namespace: sibling.namespace, addr: addrKey(c.addr) };
      for (const port of hostPorts(c))
        ports.set(`${c.host}\u0000${port}`, ports.get(`${c.host}\u0000${port}`) ?? claim);
      names.set(`${c.host}\u0000${c.name}`, names.get(`${c.host}\u0000${c.name}`) ?? claim);
    }
  }
  for (const c of containers(current.resources)) {
    const mine = `${current.namespace}::${addrKey(c.addr)}`;
    for (const port of hostPorts(c)) {
      const other = ports.get(`${c.host}\u0000${port}`);
      if (other) {
        throw conflict(`cross-namespace port conflict on host \`${c.host}\`:`, [
          `  - ${mine}  (current) wants ${port}`,
          `  - ${other.namespace}::${other.addr}  (sibling) already claims it`,
        ]);
      }
    }
    const other = names.get(`${c.host}\u0000${c.name}`);
    if (other) {
      throw conflict(`cross-namespace container name conflict on host \`${c.host}\`:`, [
        `  - ${mine}  (current) uses name \`${c.name}\``,
        `  - ${other.namespace}::${other.addr}  (sibling) already uses it`,
      ]);
    }
  }
}

function conflict(message: string, details: string[]): CliError {
  return new CliError('CrossNamespaceConflict', message, {
    details,
    hint: 'give one of the containers another host port or name (a container behind a proxy needs no host port)',
  });
}

interface Container {
  addr: DesiredResource['addr'];
  host: string;
  name: string;
  ports: string[];
}

function containers(resources: readonly DesiredResource[]): Container[] {
  const out: Container[] = [];
  for (const r of resources) {
    if (r.addr.kind !== 'docker_container' || typeof r.attrs.host !== 'string') continue;
    const ports = Array.isArray(r.attrs.ports)
      ? r.attrs.ports.filter((p): p is string => typeof p === 'string')
      : [];
    const name = typeof r.attrs.name === 'string' ? r.attrs.name : r.addr.name;
    out.push({ addr: r.addr, host: r.attrs.host, name, ports });
  }
  return out;
}

/** Host ports of `H:C` and `IP:H:C` bindings; random-port, range and unknown shapes are skipped. */
function hostPorts(c: Container): number[] {
  const out: number[] = [];
  for (const spec of c.ports) {
    const parsed = parsePortSpec(spec);
    if (parsed.type === 'bind') out.push(parsed.hostPort);
  }
  return out;
}
