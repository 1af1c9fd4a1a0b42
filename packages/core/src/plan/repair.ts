import { isJsonObject } from '../json';
import type { Drift, JsonValue, Plan, PlannedResource } from '../types';
import { createPlan, planRedaction } from './plan';

/**
 * Turns the drift a refresh found into work, so that an apply makes the host
 * match the config again rather than only the state file:
 *
 * - a resource gone from the host (`missing`) becomes a `create`;
 * - a resource whose live attributes differ from state becomes an `update`
 *   (a `noop` gains the drift's fields as its changes, shown observed → recorded).
 *
 * The step's `prior` becomes what is really on the host (state attrs overlaid
 * with the observation), so a provider's "unchanged, skip" check compares
 * against reality and does the work. Unreadable resources and deletes are left
 * as they are. Returns a new plan; steps without drift are unchanged.
 */
export function planRepairs(plan: Plan): Plan {
  const steps = plan.steps.map((step) => repairStep(step));
  return createPlan(steps, plan.warnings, { redaction: planRedaction(plan) });
}

/** How many steps a refresh's drift turns into work (what {@link planRepairs} changes). */
export function repairCount(plan: Plan): number {
  return plan.steps.filter((step) => repairStep(step) !== step).length;
}

function repairStep(step: PlannedResource): PlannedResource {
  const drift = step.drift;
  if (drift === undefined || step.action === 'delete' || step.action === 'create') return step;
  if (drift.missing) return { ...step, action: 'create', changes: [] };
  if (drift.changes.length === 0) return step;
  const prior = overlay(step.prior, drift);
  if (step.action === 'update') return { ...step, prior };
  return {
    ...step,
    action: 'update',
    prior,
    changes: drift.changes.map((c) => ({ field: c.field, from: c.to, to: c.from })),
  };
}

/**
 * State attrs with the observed ones laid over them. Shallow on purpose: a key
 * a read reports is the host's whole truth for that key (a manifest, a label
 * map), while keys it does not report (state-only fields such as
 * `container_id`) keep their recorded value.
 */
function overlay(prior: JsonValue, drift: Drift): JsonValue {
  const observed = drift.observed;
  if (!isJsonObject(prior) || !isJsonObject(observed)) return observed ?? prior;
  return { ...prior, ...observed };
}
