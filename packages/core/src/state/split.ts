import { parseAddr } from '../addr';
import { isImplicitName } from '../implicit';
import type { ResourceState, State } from '../types';
import { loadState } from './load';
import { saveState } from './save';
import { STATE_VERSION } from './schema';

/**
 * True when the entry belongs in the shared state file: the implicit per-host
 * resources, so namespaces sharing a host do not each recreate them.
 */
export function isSharedResource(entry: ResourceState): boolean {
  return isImplicitName(entry.addr.name);
}

/** {@link isSharedResource} by state key: for a removed entry, which file it was in. */
export function isSharedKey(key: string): boolean {
  return isImplicitName(parseAddr(key).name);
}

/**
 * Namespace mode's load: the namespace's state file and the shared one,
 * unioned. Missing files are empty, as with {@link loadState}. When both files
 * hold the same key the namespace's entry wins: the namespace is the scope
 * that ran most recently against it.
 */
export async function loadMerged(nsPath: string, sharedPath: string): Promise<State> {
  const [ns, shared] = await Promise.all([loadState(nsPath), loadState(sharedPath)]);
  return { version: STATE_VERSION, resources: { ...shared.resources, ...ns.resources } };
}

/**
 * Namespace mode's save: entries whose name starts with `_stratum_` go to
 * `sharedPath`, all others to `nsPath`. Both files are written on every save,
 * even when one side is empty, so the next load finds what it expects. Each
 * file is written atomically (see {@link saveState}); the pair is not — the
 * shared file is written first, and a crash between the two leaves the shared
 * file newer, which the next apply reconciles like any other partial apply.
 */
export async function saveSplit(nsPath: string, sharedPath: string, state: State): Promise<void> {
  const { ns, shared } = splitState(state);
  await saveState(sharedPath, shared);
  await saveState(nsPath, ns);
}

/** The namespace's part of a merged state and the shared part, as {@link saveSplit} writes them. */
export function splitState(state: State): { ns: State; shared: State } {
  const ns: State = { version: STATE_VERSION, resources: {} };
  const shared: State = { version: STATE_VERSION, resources: {} };
  for (const [key, entry] of Object.entries(state.resources)) {
    (isSharedResource(entry) ? shared : ns).resources[key] = entry;
  }
  return { ns, shared };
}
