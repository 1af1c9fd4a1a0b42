import { redactSteps } from '../secrets/redact';
import type { RedactionMap } from '../secrets/redaction-map';
import type { Plan } from '../types';
import { createPlan, planRedaction } from './plan';

/**
 * The plan as it may be shown: every known secret plaintext in step attrs,
 * changes and drift replaced by markers, changes that only differed by a
 * secret's form dropped, and `update` steps left with no change downgraded to
 * `noop`. Returns a new frozen plan; `plan` is unchanged.
 *
 * `redaction` defaults to the map the plan was built with.
 */
export function redactPlan(plan: Plan, redaction: RedactionMap | undefined = planRedaction(plan)): Plan {
  if (redaction === undefined) return plan;
  return createPlan(redactSteps(plan.steps, redaction), plan.warnings, { redaction });
}
