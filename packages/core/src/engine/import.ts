import { addrKey, parseAddr } from '../addr';
import { didYouMean } from '../did-you-mean';
import { createPlan } from '../plan/plan';
import { digestedAttrs, planViews } from '../plan/plan-views';
import type { Registry } from '../registry';
import { markersIn } from '../secrets/markers';
import { redactInto } from '../secrets/redact';
import type { RedactionMap } from '../secrets/redaction-map';
import type { StateBackend } from '../state/backend';
import { alreadyInState, recordResources, StateSurgeryError } from '../state/surgery';
import type { DesiredResource, JsonObject, Plan, PlannedResource, ResourceState } from '../types';

/** What {@link importResources} works with; the engine passes its own. */
export interface ImportContext {
  readonly registry: Registry;
  readonly state: StateBackend;
  readonly redaction: RedactionMap | undefined;
  /** Reads the plan's steps from their hosts (the engine's refresh, providers configured). */
  readonly refresh: (plan: Plan) => Promise<Plan>;
}

/**
 * The resources named by `addrs`, checked before any host is read: each must
 * be in the config, not in state, and of a kind that can read (a probe or a
 * `read`). Throws the first refusal; returns them in the order given.
 */
export function importTargets(
  desired: readonly DesiredResource[],
  addrs: readonly string[],
  registry: Registry,
  inState: (key: string) => boolean,
  location: string,
): DesiredResource[] {
  const byKey = new Map(desired.map((resource) => [addrKey(resource.addr), resource]));
  const keys = [...new Set(addrs.map((addr) => addrKey(parseAddr(addr))))];
  return keys.map((key) => {
    const resource = byKey.get(key);
    if (resource === undefined) {
      const near = didYouMean(key, byKey.keys());
      throw new StateSurgeryError(
        'ImportNotInConfig',
        `${key} is not in the config: import records a resource the config declares${near ? ` (did you mean ${near}?)` : ''}`,
        'declare it in the config first, with the attributes the host has',
      );
    }
    if (inState(key)) throw alreadyInState(key, location);
    const handler = registry.forKind(resource.addr.kind).handler;
    if (handler.probe === undefined && handler.read === undefined) {
      throw new StateSurgeryError(
        'ImportCannotRead',
        `cannot import ${key}: the kind ${resource.addr.kind} cannot read a resource from its host`,
        'let `stratum apply` create it (its create is written to be safe on an existing resource)',
      );
    }
    return resource;
  });
}

/**
 * `stratum import`: reads each named resource from its host and records what
 * was read as an apply would have recorded it (the kind's state shape, secrets
 * as markers), so the next plan shows only what differs between the config and
 * the host. Attributes the read does not see keep their desired value. All of
 * them are read before any is recorded; one that is absent or unreadable
 * records none. Returns the keys recorded.
 */
export async function importResources(
  ctx: ImportContext,
  desired: readonly DesiredResource[],
  addrs: readonly string[],
  args?: readonly string[],
): Promise<readonly string[]> {
  const prior = await ctx.state.read();
  const targets = importTargets(
    desired,
    addrs,
    ctx.registry,
    (key) => prior.resources[key] !== undefined,
    ctx.state.location,
  );
  await ctx.redaction?.settle(markersIn(prior.resources));
  const views = await planViews(targets, ctx.registry);
  // Each target as a step whose "prior" is what an apply would record: its probe finds the host and path there.
  const recordedShape = (resource: DesiredResource): JsonObject => {
    const view =
      views.get(addrKey(resource.addr)) ??
      digestedAttrs(ctx.registry.forKind(resource.addr.kind).handler, resource.attrs);
    return ctx.redaction ? redactInto(view, ctx.redaction, { forms: false }) : view;
  };
  const steps: PlannedResource[] = targets.map((resource) => ({
    addr: resource.addr,
    provider: resource.provider,
    desired: resource.attrs,
    prior: recordedShape(resource),
    action: 'noop',
    changes: [],
  }));
  const read = await ctx.refresh(createPlan(steps, [], { redaction: ctx.redaction }));
  const entries: ResourceState[] = read.steps.map((step) => {
    const key = addrKey(step.addr);
    const drift = step.drift;
    if (drift?.missing) {
      throw new StateSurgeryError(
        'ImportAbsent',
        `cannot import ${key}: it does not exist on its host; nothing was recorded`,
        '`stratum apply` creates it',
      );
    }
    if (drift === undefined || drift.unreadable !== undefined || drift.observed === undefined) {
      throw new StateSurgeryError(
        'ImportUnreadable',
        `cannot import ${key}: ${drift?.unreadable ?? 'it was not read'}; nothing was recorded`,
        'check that its host is reachable (`stratum plan --refresh --verbose`) and retry',
      );
    }
    const attrs = { ...(step.prior as JsonObject), ...(drift.observed as JsonObject) };
    return {
      addr: { kind: step.addr.kind, name: step.addr.name },
      provider: step.provider,
      attrs: ctx.redaction ? redactInto(attrs, ctx.redaction, { forms: false }) : attrs,
    };
  });
  return recordResources(ctx.state, entries, args);
}
