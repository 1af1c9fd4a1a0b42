import { addrKey } from '../addr';
import type { Registry } from '../registry';
import type { Plan, PlannedResource, State, StepTrigger } from '../types';
import { triggeredBy } from './depends-on';
import { createPlan, planRedaction } from './plan';

/**
 * Marks the steps that must re-run because resources they list in
 * `triggered_by` change in this plan, or changed in an earlier apply that died
 * before the re-run (state's `pending_trigger`):
 *
 * - a `noop` becomes an `update` with no changes (its only work is the re-run);
 * - an `update` keeps its changes and re-runs after them (if its kind's update
 *   does not already);
 * - a `create` or `delete` gets nothing: creating does the work, deleting ends it.
 *
 * One pass in plan order, which already puts every step after its triggers: a
 * step that re-runs counts as changed for the steps it triggers in turn. Kinds
 * without a trigger (refused at validation) are left alone. Run it last, after
 * any repairs, so a repair of a drifted file restarts its service too.
 */
export function planTriggers(plan: Plan, state: State, registry: Registry | undefined): Plan {
  if (registry === undefined) return plan;
  const changed = new Set<string>();
  let marked = false;
  const steps = plan.steps.map((step) => {
    const next = triggered(step, state, registry, changed);
    if (next !== step) marked = true;
    if (next.action === 'create' || next.action === 'update') changed.add(addrKey(next.addr));
    return next;
  });
  return marked ? createPlan(steps, plan.warnings, { redaction: planRedaction(plan) }) : plan;
}

function triggered(
  step: PlannedResource,
  state: State,
  registry: Registry,
  changed: ReadonlySet<string>,
): PlannedResource {
  if (step.action === 'create' || step.action === 'delete') return step;
  if (!registry.has(step.addr.kind)) return step;
  const hook = registry.forKind(step.addr.kind).handler.trigger;
  if (hook === undefined) return step;
  const key = addrKey(step.addr);
  const by = triggeredBy(step.desired).filter((target) => changed.has(target));
  const owed = Object.hasOwn(state.resources, key) ? (state.resources[key]!.pending_trigger ?? []) : [];
  const pending = owed.filter((target) => !by.includes(target));
  if (by.length === 0 && pending.length === 0) return step;
  const desired = step.desired;
  const verb =
    typeof desired === 'object' && desired !== null && !Array.isArray(desired)
      ? hook.verb(desired)
      : 're-run';
  const trigger: StepTrigger = { verb, by, pending };
  return { ...step, action: step.action === 'noop' ? 'update' : step.action, trigger };
}
