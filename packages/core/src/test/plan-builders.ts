import { providerNameOf } from '../registry';
import type { Action, FieldChange, JsonValue, PlannedResource } from '../types';

/** Optional parts of a {@link plannedStep}. */
export interface PlannedStepOptions {
  /** Default `noop`. */
  action?: Action | undefined;
  /** Attrs recorded in state; default `null` (as for a create). */
  prior?: JsonValue | undefined;
  /** Desired attrs; default: the same as `prior` (a noop step). */
  desired?: JsonValue | undefined;
  changes?: readonly FieldChange[] | undefined;
}

/**
 * One plan step, for building a plan with `createPlan` in tests (e.g. to run
 * `refreshPlan` over a provider's kinds). `provider` is the kind's prefix.
 */
export function plannedStep(kind: string, name: string, options: PlannedStepOptions = {}): PlannedResource {
  const prior = options.prior ?? null;
  return {
    addr: { kind, name },
    provider: providerNameOf(kind),
    action: options.action ?? 'noop',
    prior,
    desired: options.desired === undefined ? prior : options.desired,
    changes: options.changes ?? [],
  };
}
