import type { Extracted } from '@stratum/config';
import { type DesiredResource, type NamespaceResources, prepareDesired, Registry } from '@stratum/core';
import { loadThirdPartyProviders } from './provider-loader';

/**
 * A sibling namespace's side of the cross-namespace check, from its loaded
 * config (the manifest plus its `configs`): its resources but the manifest's
 * own (`own` says which are the namespace's), prepared with the providers it
 * declares that `registry` lacks — a provider only the sibling declares still
 * makes its kinds' claims. Shared by namespace-mode commands and the
 * language server, so both refuse the same conflicts.
 *
 * @throws whatever loading its providers or preparing its resources throws.
 */
export async function siblingNamespace(
  namespace: string,
  loaded: Extracted,
  own: (resource: DesiredResource) => boolean,
  registry: Registry,
  cwd: string,
): Promise<NamespaceResources> {
  const theirs = await loadThirdPartyProviders(
    loaded.providers.filter((p) => registry.provider(p.name) === undefined),
    cwd,
  );
  const siblingRegistry = theirs.length === 0 ? registry : new Registry([...registry.providers(), ...theirs]);
  const prepared = await prepareDesired(loaded.resources.filter(own), siblingRegistry);
  return { namespace, resources: prepared.resources, registry: siblingRegistry };
}
