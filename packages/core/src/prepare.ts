import { addrKey } from './addr';
import { InvalidAttributeError } from './invalid-attribute';
import type { Registry } from './registry';
import { findUnresolvedPlaceholder } from './secrets/markers';
import type { RedactionMap } from './secrets/redaction-map';
import type { DesiredResource } from './types';
import { type Diagnostic, validateDesired } from './validate';

/** Options of {@link prepareDesired}. */
export interface PrepareOptions {
  /**
   * The run's secrets. Values of attributes a kind declares secret
   * (`secrets.attrs`) are added to it even when the config wrote them as
   * literals, so that every output shows them as markers.
   */
  readonly redaction?: RedactionMap | undefined;
}

/** What {@link prepareDesired} found. */
export interface PreparedDesired {
  /** The resources with their kinds' `prepare` applied (local files inlined, paths made absolute). */
  readonly resources: DesiredResource[];
  /** Every problem: from `prepare`, the kinds' schemas and the secret-placement rules. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Takes desired resources as `@stratum/config` produced them to what the
 * planner works with: each kind's `prepare` runs (with the declaring file's
 * directory), then {@link validateDesired} checks every resource. A resource
 * whose `prepare` failed reports that problem only: its schema would only
 * repeat it. Nothing touches a host.
 */
export async function prepareDesired(
  desired: readonly DesiredResource[],
  registry: Registry,
  options: PrepareOptions = {},
): Promise<PreparedDesired> {
  const diagnostics: Diagnostic[] = [];
  const failed = new Set<string>();
  const resources = await Promise.all(
    desired.map(async (resource) => {
      if (!registry.has(resource.addr.kind)) return resource;
      const { handler } = registry.forKind(resource.addr.kind);
      if (handler.prepare === undefined) return resource;
      const { kind, name } = resource.addr;
      try {
        const attrs = await handler.prepare(resource.attrs, { kind, name, baseDir: resource.source?.dir });
        return { ...resource, attrs, source: relocated(resource, attrs) };
      } catch (error) {
        if (!InvalidAttributeError.isInstance(error)) throw error;
        failed.add(addrKey(resource.addr));
        diagnostics.push({
          severity: 'error',
          code: error.code,
          message: `${kind}.${name}: ${error.message}`,
          addr: resource.addr,
          location: resource.source?.attrs[error.attr] ?? resource.source?.block,
          hint: error.hint,
        });
        return resource;
      }
    }),
  );
  if (options.redaction !== undefined) recordSecretLiterals(resources, registry, options.redaction);
  diagnostics.push(
    ...validateDesired(
      resources.filter((r) => !failed.has(addrKey(r.addr))),
      registry,
    ),
  );
  return { resources, diagnostics };
}

/**
 * The resource's source with a renamed attribute's location carried over: when
 * `prepare` replaced one attribute by another (`content_file` → `content`),
 * later messages about the new one point where the old one was written.
 */
function relocated(resource: DesiredResource, prepared: DesiredResource['attrs']): DesiredResource['source'] {
  const source = resource.source;
  if (source === undefined) return undefined;
  const removed = Object.keys(resource.attrs).filter((key) => !Object.hasOwn(prepared, key));
  const added = Object.keys(prepared).filter(
    (key) => !Object.hasOwn(resource.attrs, key) && !Object.hasOwn(source.attrs, key),
  );
  const from = removed.length === 1 ? source.attrs[removed[0]!] : undefined;
  if (from === undefined || added.length !== 1) return source;
  return { ...source, attrs: { ...source.attrs, [added[0]!]: from } };
}

/** Adds every declared-secret attribute's value to `redaction`, named `<kind>.<name>.<attr>`. */
function recordSecretLiterals(
  resources: readonly DesiredResource[],
  registry: Registry,
  redaction: RedactionMap,
): void {
  for (const resource of resources) {
    if (!registry.has(resource.addr.kind)) continue;
    const attrs = registry.forKind(resource.addr.kind).handler.secrets?.attrs ?? [];
    for (const attr of attrs) {
      const value = resource.attrs[attr];
      // A placeholder for a secret not at hand (a review-only load) shows as itself.
      if (typeof value !== 'string' || findUnresolvedPlaceholder(value) !== undefined) continue;
      redaction.addLiteral(`${resource.addr.kind}.${resource.addr.name}.${attr}`, value);
    }
  }
}
