import { addrKey } from '../addr';
import { StratumError } from '../errors';
import { isImplicitName } from '../implicit';
import { PlanError } from '../plan/errors';
import type { Registry } from '../registry';
import type { DesiredResource } from '../types';
import { kindAttrs } from '../validate';
import { type Claim, claimSlot, claimsClash, type HostClaims, portText } from './claims';

/** One resource's claims, with the resource. */
export interface ResourceClaims {
  readonly addr: string;
  readonly claims: HostClaims;
}

/**
 * The claims each resource declares through its kind's `claims` hook, from
 * its attrs as the kind's schema parses them. Resources whose kind is not
 * loaded, has no hook, or whose attrs do not parse (validation reports those)
 * claim nothing.
 */
export function collectClaims(desired: readonly DesiredResource[], registry: Registry): ResourceClaims[] {
  const out: ResourceClaims[] = [];
  for (const resource of desired) {
    if (!registry.has(resource.addr.kind)) continue;
    const { handler } = registry.forKind(resource.addr.kind);
    if (handler.claims === undefined) continue;
    const parsed = handler.schema.safeParse(kindAttrs(handler.schema, resource.attrs).attrs);
    if (!parsed.success) continue;
    const claims = handler.claims({ kind: resource.addr.kind, name: resource.addr.name, attrs: parsed.data });
    if (claims !== undefined) out.push({ addr: addrKey(resource.addr), claims });
  }
  return out;
}

/**
 * Checks that no two resources of one desired set make clashing claims on one
 * host: a port bound on every interface clashes with any bind of that port and
 * protocol, two specific addresses only when equal; names clash within their
 * space. Claims of one resource are not checked against each other.
 *
 * @returns warnings for what kinds could not check (port ranges).
 * @throws PlanError `PortConflict` / `NameConflict` naming both resources and the host.
 */
export function checkClaims(desired: readonly DesiredResource[], registry: Registry): string[] {
  const warnings: string[] = [];
  const taken = new Map<string, { addr: string; claim: Claim }[]>();
  for (const { addr, claims } of collectClaims(desired, registry)) {
    for (const note of claims.unchecked ?? []) warnings.push(`\`${addr}\`: ${note}`);
    for (const claim of claims.claims) {
      const slot = claimSlot(claims.host, claim);
      const holders = taken.get(slot) ?? [];
      for (const other of holders) {
        if (other.addr !== addr && claimsClash(other.claim, claim)) {
          throw clashError(claims.host, other, { addr, claim });
        }
      }
      holders.push({ addr, claim });
      taken.set(slot, holders);
    }
  }
  return warnings;
}

function clashError(
  host: string,
  first: { addr: string; claim: Claim },
  second: { addr: string; claim: Claim },
) {
  const a = first.claim;
  const b = second.claim;
  if (a.type === 'port' && b.type === 'port') {
    return new PlanError(
      'PortConflict',
      `port conflict on host \`${host}\`: \`${first.addr}\` (\`${a.label}\`) and \`${second.addr}\` (\`${b.label}\`) both bind port ${portText(b)}`,
      {
        addresses: [first.addr, second.addr],
        host,
        port: b.port,
        hint: 'give one of them another host port or a different bind address, or drop the port if nothing outside needs it',
      },
    );
  }
  const space = b.type === 'name' ? b.space : 'name';
  const value = b.type === 'name' ? b.value : '';
  return new PlanError(
    'NameConflict',
    `${space} conflict on host \`${host}\`: \`${first.addr}\` and \`${second.addr}\` both use ${space} \`${value}\``,
    { addresses: [first.addr, second.addr], host, hint: `give one of them another ${space}` },
  );
}

/** One namespace's desired resources, for {@link checkCrossNamespace}. */
export interface NamespaceResources {
  readonly namespace: string;
  readonly resources: readonly DesiredResource[];
  /** The providers its kinds come from, when it loads some the others do not. Default: the check's. */
  readonly registry?: Registry | undefined;
}

/**
 * Namespace mode's check between siblings: the planner sees one namespace at a
 * time, so two namespaces claiming one port or name on one host would only
 * meet at apply time, as a failed bind. Every sibling's claims are collected;
 * the first claim of the current namespace that clashes with one is refused,
 * naming both namespaces' resources. The implicit per-host resources are
 * shared by every namespace on a host (they live in `_shared.json`), so they
 * claim nothing here.
 *
 * @throws StratumError `CrossNamespaceConflict`.
 */
export function checkCrossNamespace(
  current: NamespaceResources,
  siblings: readonly NamespaceResources[],
  registry: Registry,
): void {
  const conflict = crossNamespaceConflict(current, siblings, registry);
  if (conflict !== undefined) throw conflict.error;
}

/** The first conflict {@link checkCrossNamespace} refuses, and the current namespace's resource (`kind.name`) it is about. */
export interface CrossNamespaceConflict {
  readonly addr: string;
  readonly error: StratumError;
}

/**
 * {@link checkCrossNamespace}'s finding as a value: what an editor needs to
 * put the refusal on the resource it is about.
 */
export function crossNamespaceConflict(
  current: NamespaceResources,
  siblings: readonly NamespaceResources[],
  registry: Registry,
): CrossNamespaceConflict | undefined {
  const own = (resources: readonly DesiredResource[]) =>
    resources.filter((r) => !isImplicitName(r.addr.name));
  const taken = new Map<string, { namespace: string; addr: string; claim: Claim }[]>();
  for (const sibling of siblings) {
    for (const { addr, claims } of collectClaims(own(sibling.resources), sibling.registry ?? registry)) {
      for (const claim of claims.claims) {
        const slot = claimSlot(claims.host, claim);
        taken.set(slot, [...(taken.get(slot) ?? []), { namespace: sibling.namespace, addr, claim }]);
      }
    }
  }
  for (const { addr, claims } of collectClaims(own(current.resources), registry)) {
    for (const claim of claims.claims) {
      const other = taken.get(claimSlot(claims.host, claim))?.find((held) => claimsClash(held.claim, claim));
      if (other === undefined) continue;
      const mine = `${current.namespace}::${addr}`;
      const theirs = `${other.namespace}::${other.addr}`;
      if (claim.type === 'port') {
        return {
          addr,
          error: new StratumError(
            'CrossNamespaceConflict',
            `cross-namespace port conflict on host \`${claims.host}\`:`,
            {
              details: [
                `  - ${mine}  (current) wants ${portText(claim)}`,
                `  - ${theirs}  (sibling) already claims it`,
              ],
              hint: 'give one of them another host port or bind address (a service behind a proxy needs no host port)',
            },
          ),
        };
      }
      return {
        addr,
        error: new StratumError(
          'CrossNamespaceConflict',
          `cross-namespace ${claim.space} conflict on host \`${claims.host}\`:`,
          {
            details: [
              `  - ${mine}  (current) uses name \`${claim.value}\``,
              `  - ${theirs}  (sibling) already uses it`,
            ],
            hint: `give one of them another ${claim.space}`,
          },
        ),
      };
    }
  }
  return undefined;
}
