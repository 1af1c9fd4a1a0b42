import { providerNameOf } from '../registry';
import { STATE_VERSION } from '../state/schema';
import type { DesiredResource, JsonObject, JsonValue, ResourceSource, ResourceState, State } from '../types';

/** A state entry; `provider` defaults to the kind's prefix (`docker_container` → `docker`). */
export function resourceState(
  kind: string,
  name: string,
  attrs: JsonValue = {},
  provider?: string,
): ResourceState {
  return { addr: { kind, name }, provider: provider ?? providerNameOf(kind), attrs };
}

/** A state holding `resources`, keyed by `<kind>.<name>`. */
export function stateWith(...resources: ResourceState[]): State {
  const state: State = { version: STATE_VERSION, resources: {} };
  for (const entry of resources) state.resources[`${entry.addr.kind}.${entry.addr.name}`] = entry;
  return state;
}

/** A desired resource as the config evaluator would produce it; `source` is optional. */
export function desiredResource(
  kind: string,
  name: string,
  attrs: JsonObject = {},
  source?: ResourceSource,
): DesiredResource {
  return {
    addr: { kind, name },
    provider: providerNameOf(kind),
    attrs,
    ...(source === undefined ? {} : { source }),
  };
}
