import { addrKey } from '../addr';
import { checkClaims } from '../claims/check';
import { diffObserved } from '../diff';
import type { Registry } from '../registry';
import { dropRedactionCancelled } from '../secrets/redact';
import type { RedactionMap } from '../secrets/redaction-map';
import type {
  DesiredResource,
  JsonObject,
  Plan,
  PlannedResource,
  ResourceState,
  SourceLocation,
  State,
} from '../types';
import { deleteOrder } from './delete-order';
import { PlanError } from './errors';
import { createPlan } from './plan';
import { digestedAttrs } from './plan-views';
import { topoSortDesired } from './topo-sort';

/** Options of {@link buildPlan}. */
export interface BuildPlanOptions {
  /**
   * The secrets whose plaintext the desired attrs carry. The plan keeps the
   * map privately so printing or serialising it shows markers, never the
   * plaintext (see `redactPlan`).
   */
  redaction?: RedactionMap | undefined;
  /**
   * Per address (`<kind>.<name>`), the attrs to diff instead of the desired
   * attrs — the kinds' `planView`s, computed beforehand by {@link planViews}
   * (they may read local files; the planner itself does no I/O).
   */
  views?: ReadonlyMap<string, JsonObject> | undefined;
  /**
   * The providers, for the kinds' rules: clashing claims (ports, names) are
   * refused, and resources without a view are diffed by their digests. Without
   * it no claims are checked.
   */
  registry?: Registry | undefined;
}

/**
 * Plans `desired` against `state`:
 *
 * 1. rejects two desired resources with one address (`DuplicateDesired`);
 * 2. checks the kinds' claims for clashes on one host (`PortConflict`,
 *    `NameConflict`; what a kind could not check becomes a warning);
 * 3. orders desired resources by `depends_on` (`UnknownDependency`,
 *    `DependencyCycle`);
 * 4. classifies each: no prior state → `create`; otherwise
 *    `diffObserved(prior, view)` — the kind's view of the desired attrs —  decides `noop` or
 *    `update` with its changes (minus any change that redaction would cancel,
 *    so the plan and its redacted view agree). Steps keep the original desired attrs
 *    (plaintext secrets included: apply needs them);
 * 5. appends a `delete` for every state resource no longer desired, in
 *    teardown order.
 *
 * @throws PlanError before any step is classified.
 */
export function buildPlan(
  desired: readonly DesiredResource[],
  state: State,
  options: BuildPlanOptions = {},
): Plan {
  rejectDuplicates(desired);
  const registry = options.registry;
  const warnings = registry === undefined ? [] : checkClaims(desired, registry);
  const ordered = topoSortDesired(desired);

  const steps: PlannedResource[] = [];
  const desiredKeys = new Set<string>();
  for (const resource of ordered) {
    const key = addrKey(resource.addr);
    desiredKeys.add(key);
    const prior = Object.hasOwn(state.resources, key) ? state.resources[key] : undefined;
    if (prior === undefined) {
      steps.push(step(resource, null, 'create', []));
      continue;
    }
    const view = withoutTriggerEdges(options.views?.get(key) ?? defaultView(resource, registry));
    let changes = diffObserved(prior.attrs, view, options.redaction);
    if (changes.length > 0 && options.redaction !== undefined) {
      changes = dropRedactionCancelled(changes, options.redaction);
    }
    steps.push(step(resource, prior.attrs, changes.length === 0 ? 'noop' : 'update', changes));
  }

  const leaving: ResourceState[] = [];
  for (const [key, resource] of Object.entries(state.resources)) {
    if (!desiredKeys.has(key)) leaving.push(resource);
  }
  for (const resource of deleteOrder(leaving)) {
    steps.push({
      addr: resource.addr,
      provider: resource.provider,
      action: 'delete',
      desired: null,
      prior: resource.attrs,
      changes: [],
      ...(resource.reads === undefined || resource.reads.length === 0 ? {} : { reads: [...resource.reads] }),
    });
  }
  return createPlan(steps, warnings, { redaction: options.redaction });
}

/**
 * `triggered_by` says what re-runs a resource, not what it is: state does not
 * record it, and adding or dropping an edge is no change to apply.
 */
function withoutTriggerEdges(view: JsonObject): JsonObject {
  if (!Object.hasOwn(view, 'triggered_by')) return view;
  const { triggered_by: _edges, ...rest } = view;
  return rest;
}

/** Without a precomputed view: the attrs with the kind's digests applied, when the kind is known. */
function defaultView(resource: DesiredResource, registry: Registry | undefined): JsonObject {
  if (registry === undefined || !registry.has(resource.addr.kind)) return resource.attrs;
  return digestedAttrs(registry.forKind(resource.addr.kind).handler, resource.attrs);
}

function step(
  resource: DesiredResource,
  prior: PlannedResource['prior'],
  action: PlannedResource['action'],
  changes: PlannedResource['changes'],
): PlannedResource {
  const reads = resource.source?.refs?.map((ref) => ref.target);
  return {
    addr: resource.addr,
    provider: resource.provider,
    action,
    desired: resource.attrs,
    prior,
    changes,
    ...(reads === undefined || reads.length === 0 ? {} : { reads: [...new Set(reads)] }),
  };
}

function where(location: SourceLocation | undefined): string {
  return location === undefined ? '' : `${location.file ?? '<input>'}:${location.line}:${location.column}`;
}

function locations(first: DesiredResource, second: DesiredResource): string {
  const a = where(first.source?.block);
  const b = where(second.source?.block);
  return a === '' && b === '' ? '' : `: at ${a || '<unknown>'} and at ${b || '<unknown>'}`;
}

function rejectDuplicates(desired: readonly DesiredResource[]): void {
  const seen = new Map<string, DesiredResource>();
  for (const resource of desired) {
    const key = addrKey(resource.addr);
    const first = seen.get(key);
    if (first !== undefined) {
      throw new PlanError(
        'DuplicateDesired',
        `resource \`${key}\` is declared twice${locations(first, resource)}`,
        { addresses: [key], hint: 'rename or remove one of the two declarations' },
      );
    }
    seen.set(key, resource);
  }
}
