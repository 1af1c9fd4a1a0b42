import { addrKey } from '../addr';
import { holdsAfterApply, substituteAfterApply } from '../after-apply';
import { isJsonObject } from '../json';
import type { DesiredResource, Plan, State } from '../types';

/**
 * Known-after-apply values that are known after all: a producer the plan
 * leaves alone (`noop`) will compute nothing new, so what its state entry
 * records is the value. Returns the desired resources with those markers
 * replaced, and which resources changed — or undefined when no marker could
 * be replaced (then the plan stands: the readers keep their markers, and the
 * engine substitutes once their producers applied).
 *
 * One call settles one layer of a chain (`a` → `b` → `c`): `b` is diffed
 * with `a`'s value only in the next plan, and only then can `b` be `noop`.
 * The caller plans again until nothing changes.
 */
export function settleKnownValues(
  desired: readonly DesiredResource[],
  plan: Plan,
  state: State,
): { desired: DesiredResource[]; changed: DesiredResource[] } | undefined {
  const unchanged = new Set<string>();
  for (const step of plan.steps) if (step.action === 'noop') unchanged.add(addrKey(step.addr));
  const changed: DesiredResource[] = [];
  const next = desired.map((resource) => {
    if (!holdsAfterApply(resource.attrs)) return resource;
    const attrs = substituteAfterApply(resource.attrs, (ref) =>
      unchanged.has(ref.target) ? recordedOutput(state, ref.target, ref.attr) : undefined,
    );
    if (attrs === resource.attrs) return resource;
    const settled = { ...resource, attrs };
    changed.push(settled);
    return settled;
  });
  return changed.length === 0 ? undefined : { desired: next, changed };
}

/** The string `target`'s state entry records as `attr`, if any: a producer's computed value. */
export function recordedOutput(state: State, target: string, attr: string): string | undefined {
  const attrs = Object.hasOwn(state.resources, target) ? state.resources[target]!.attrs : undefined;
  const value = isJsonObject(attrs) ? attrs[attr] : undefined;
  return typeof value === 'string' ? value : undefined;
}
