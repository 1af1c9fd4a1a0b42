import { addrKey } from '../addr';
import { StratumError } from '../errors';
import { findUnresolvedPlaceholder } from '../secrets/markers';
import type { Plan } from '../types';

/** Apply refuses to delete resources the config no longer names unless told to. */
export class DestroyRefusedError extends StratumError<'DestroyRefused'> {
  static override readonly marker: string = '@stratum/core/DestroyRefusedError';

  /** The resources the plan would delete, `<kind>.<name>`. */
  readonly addresses: readonly string[];

  constructor(addresses: readonly string[]) {
    const noun = addresses.length === 1 ? 'resource' : 'resources';
    super(
      'DestroyRefused',
      `refusing to apply: plan would delete ${addresses.length} ${noun} not in config:`,
      {
        details: addresses.map((addr) => `  - ${addr}`),
        hint: 'if this is intended, re-run with --allow-destroy. If not, you may be applying against the wrong state file (-s), have forgotten a -c flag, or be in the wrong namespace (-n).',
      },
    );
    this.name = 'DestroyRefusedError';
    this.addresses = Object.freeze([...addresses]);
  }
}

/** Options of {@link checkGuards}. */
export interface GuardOptions {
  /** Let the plan delete resources that left the config. */
  readonly allowDestroy?: boolean | undefined;
}

/**
 * The checks an apply must pass before anything runs:
 * - the destruction guard: a plan that deletes something needs `allowDestroy`
 *   (a forgotten config file or a wrong state file would otherwise tear a host down);
 * - no unresolved-secret placeholder: such a plan was made for review only.
 *
 * @throws DestroyRefusedError, or StratumError `UnresolvedSecret`.
 */
export function checkGuards(plan: Plan, options: GuardOptions = {}): void {
  const deletes = plan.steps.filter((step) => step.action === 'delete');
  if (deletes.length > 0 && !options.allowDestroy) {
    throw new DestroyRefusedError(deletes.map((step) => addrKey(step.addr)));
  }
  for (const step of plan.steps) {
    if (step.action === 'delete') continue;
    const name = findUnresolvedPlaceholder(JSON.stringify(step.desired));
    if (name === undefined) continue;
    throw new StratumError(
      'UnresolvedSecret',
      `refusing to apply: plan contains unresolved-secret placeholder for \`${name}\``,
      {
        hint: "this only happens via `plan --allow-unresolved-secrets`; set the secret's source and retry.",
      },
    );
  }
}
