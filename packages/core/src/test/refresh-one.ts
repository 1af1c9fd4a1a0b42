import { buildPlan } from '../plan/build-plan';
import type { Provider, ProviderContext } from '../provider';
import { refreshPlan } from '../refresh';
import { Registry } from '../registry';
import type { Drift, JsonObject } from '../types';
import { desiredResource, resourceState, stateWith } from './state-builders';

/**
 * Reads one resource through the real refresh path (plan against the given
 * state attrs, then `refreshPlan` with the provider's probe or read) and
 * returns its drift: what `stratum plan --refresh` would say about it.
 */
export async function refreshOne(
  provider: Provider,
  resource: { kind: string; name: string; desired: JsonObject; state: JsonObject },
  ctx: ProviderContext,
): Promise<Drift> {
  const { kind, name } = resource;
  const plan = buildPlan(
    [desiredResource(kind, name, resource.desired)],
    stateWith(resourceState(kind, name, resource.state)),
  );
  const refreshed = await refreshPlan(plan, new Registry([provider]), ctx);
  const drift = refreshed.steps[0]?.drift;
  if (drift === undefined) throw new Error(`refresh left ${kind}.${name} without a drift annotation`);
  return drift;
}
