import { inspect } from 'node:util';
import { addrKey } from '../addr';
import { freezeClone } from '../json';
import { redactSteps } from '../secrets/redact';
import type { RedactionMap } from '../secrets/redaction-map';
import type { Drift, FieldChange, Plan, PlannedResource, PlanSummary, StepTrigger } from '../types';

/** Options of {@link createPlan}. */
export interface CreatePlanOptions {
  /**
   * The secrets the plan's attrs may contain in plaintext. The plan keeps the
   * map privately so that printing it by accident (`JSON.stringify`,
   * `util.inspect`, `console.log`) shows the redacted view, never plaintext.
   */
  redaction?: RedactionMap | undefined;
}

/** Which secrets each plan may hold; private so the map never travels with the plan's data. */
const redactionByPlan = new WeakMap<Plan, RedactionMap>();

/**
 * The {@link RedactionMap} a plan was built with, if any. For the redaction
 * walks; not part of the public API.
 */
export function planRedaction(plan: Plan): RedactionMap | undefined {
  return redactionByPlan.get(plan);
}

/**
 * Makes a plan value: the steps (deep-copied and deep-frozen, so neither the
 * plan nor the caller's inputs can change each other afterwards) plus the
 * planner's warnings.
 */
export function createPlan(
  steps: readonly PlannedResource[],
  warnings: readonly string[] = [],
  options: CreatePlanOptions = {},
): Plan {
  const plan = new FrozenPlan(
    Object.freeze(steps.map((step) => freezeStep(step, options.redaction))),
    Object.freeze([...warnings]),
    options.redaction,
  );
  if (options.redaction !== undefined) redactionByPlan.set(plan, options.redaction);
  return Object.freeze(plan);
}

/**
 * A copy of `plan` whose steps carry the drift a refresh found, keyed by
 * address (`<kind>.<name>`). Steps without an entry keep what they had.
 * The new plan keeps the original's redaction map.
 */
export function withDrift(plan: Plan, driftByKey: ReadonlyMap<string, Drift>): Plan {
  const steps = plan.steps.map((step) => {
    const drift = driftByKey.get(addrKey(step.addr));
    return drift === undefined ? step : { ...step, drift };
  });
  return createPlan(steps, plan.warnings, { redaction: planRedaction(plan) });
}

/** Counts of a plan's steps by action and by drift; see {@link Plan.summary}. */
export function summarize(steps: readonly PlannedResource[]): PlanSummary {
  const summary: PlanSummary = {
    create: 0,
    update: 0,
    delete: 0,
    noop: 0,
    drifted: 0,
    missing: 0,
    unreadable: 0,
    unreachable: 0,
  };
  for (const step of steps) {
    summary[step.action]++;
    const drift = step.drift;
    if (drift === undefined) continue;
    if (drift.changes.length > 0) summary.drifted++;
    // A delete whose resource is already gone is not drift: the delete will just do nothing.
    if (drift.missing && step.action !== 'delete') summary.missing++;
    if (drift.unreadable !== undefined) summary.unreadable++;
    if (drift.unreachable) summary.unreachable++;
  }
  return summary;
}

class FrozenPlan implements Plan {
  readonly steps: readonly PlannedResource[];
  readonly warnings: readonly string[];
  readonly #redaction: RedactionMap | undefined;

  constructor(
    steps: readonly PlannedResource[],
    warnings: readonly string[],
    redaction: RedactionMap | undefined,
  ) {
    this.steps = steps;
    this.warnings = warnings;
    this.#redaction = redaction;
  }

  summary(): PlanSummary {
    return summarize(this.steps);
  }

  wasRefreshed(): boolean {
    return this.steps.some((step) => step.drift !== undefined);
  }

  /**
   * The redacted view: secrets the plan was built with appear as markers,
   * changes that only differed by a secret's form are gone. This is what
   * `JSON.stringify(plan)` prints.
   */
  toJSON(): { steps: PlannedResource[]; warnings: string[]; summary: PlanSummary } {
    const steps = this.#redaction === undefined ? [...this.steps] : redactSteps(this.steps, this.#redaction);
    return { steps, warnings: [...this.warnings], summary: summarize(steps) };
  }

  [inspect.custom](_depth: number, options: object): string {
    return `Plan ${inspect(this.toJSON(), { ...options, depth: 8 })}`;
  }
}

function freezeStep(step: PlannedResource, redaction: RedactionMap | undefined): PlannedResource {
  const fields: PlannedResource = {
    addr: Object.freeze({ kind: step.addr.kind, name: step.addr.name }),
    provider: step.provider,
    action: step.action,
    desired: freezeClone(step.desired ?? null),
    prior: freezeClone(step.prior ?? null),
    changes: freezeChanges(step.changes),
    ...(step.drift === undefined ? {} : { drift: freezeDrift(step.drift) }),
    ...(step.trigger === undefined ? {} : { trigger: freezeTrigger(step.trigger) }),
    // The reference edges: apply orders and groups steps by them.
    ...(step.reads === undefined ? {} : { reads: Object.freeze([...step.reads]) }),
  };
  return Object.freeze(redaction === undefined ? fields : new GuardedStep(fields, redaction));
}

/**
 * A step of a plan that holds secrets: the same data as any step, but
 * printing it by accident (`JSON.stringify(plan.steps)`, `console.log(step)`)
 * shows the redacted view.
 */
class GuardedStep implements PlannedResource {
  declare readonly addr: PlannedResource['addr'];
  declare readonly provider: string;
  declare readonly action: PlannedResource['action'];
  declare readonly desired: PlannedResource['desired'];
  declare readonly prior: PlannedResource['prior'];
  declare readonly changes: PlannedResource['changes'];
  declare readonly drift?: PlannedResource['drift'];
  declare readonly trigger?: PlannedResource['trigger'];
  declare readonly reads?: PlannedResource['reads'];
  readonly #redaction: RedactionMap;

  constructor(fields: PlannedResource, redaction: RedactionMap) {
    Object.assign(this, fields);
    this.#redaction = redaction;
  }

  toJSON(): PlannedResource {
    return redactSteps([this], this.#redaction)[0]!;
  }

  [inspect.custom](_depth: number, options: object): string {
    return inspect(this.toJSON(), { ...options, depth: 8 });
  }
}

function freezeChanges(changes: readonly FieldChange[]): readonly FieldChange[] {
  return Object.freeze(
    changes.map((c) =>
      Object.freeze({ field: c.field, from: freezeClone(c.from ?? null), to: freezeClone(c.to ?? null) }),
    ),
  );
}

function freezeDrift(drift: Drift): Drift {
  const frozen: Drift = {
    changes: freezeChanges(drift.changes),
    missing: drift.missing,
    ...(drift.unreadable === undefined ? {} : { unreadable: drift.unreadable }),
    ...(drift.unreachable ? { unreachable: true as const } : {}),
    ...(drift.observed === undefined ? {} : { observed: freezeClone(drift.observed) }),
  };
  return Object.freeze(frozen);
}

function freezeTrigger(trigger: StepTrigger): StepTrigger {
  return Object.freeze({
    verb: trigger.verb,
    by: Object.freeze([...trigger.by]),
    pending: Object.freeze([...trigger.pending]),
  });
}
