import type { JsonObject, KindHandler, ProviderContext } from '@stratum/core';
import { requirePriorHost } from '../shared/prior';
import { commandFailed, runChecked } from '../shared/run';
import { stringField } from '../shared/schema-parts';
import {
  ensureNetworkCommand,
  inspectNetworkCommand,
  isNoSuchNetwork,
  removeNetworkCommand,
} from './commands';
import { parseNetworkInspect } from './probe';
import { type NetworkAttrs, networkSchema } from './schema';

const KIND = 'docker_network';

/**
 * `docker_network`: a user-defined network, reconciled by name.
 *
 * Create and update run the idempotent `inspect || create`. Two cases the
 * idempotent path alone cannot converge are handled on update: a changed
 * `driver` removes and recreates the network (fails loudly while containers
 * are attached), and a changed `name` or `host` removes the old network
 * best-effort after the new one exists.
 */
export const dockerNetworkKind: KindHandler<NetworkAttrs> = {
  schema: networkSchema,

  async create({ name, attrs }, ctx) {
    return ensure(name, attrs, ctx);
  },

  async update({ name, attrs, prior }, ctx) {
    const desiredName = attrs.name ?? name;
    const priorName = stringField(prior, 'name') ?? name;
    const priorHost = stringField(prior, 'host') ?? attrs.host;
    const priorDriver = stringField(prior, 'driver');
    const moved = priorHost !== attrs.host || priorName !== desiredName;
    if (!moved && priorDriver !== undefined && priorDriver !== attrs.driver) {
      // Same network, different driver: docker cannot change a driver in place.
      await removeTolerant(priorHost, priorName, name, ctx, false);
    }
    const state = await ensure(name, attrs, ctx);
    if (moved) await removeTolerant(priorHost, priorName, name, ctx, true);
    return state;
  },

  async delete({ name, prior }, ctx) {
    const host = requirePriorHost(KIND, name, prior);
    const networkName = stringField(prior, 'name') ?? name;
    ctx.log.trace(`[docker] NETWORK \`${networkName}\` on ${host} (delete)`);
    await removeTolerant(host, networkName, name, ctx, false);
  },

  probe({ name, prior }) {
    const host = stringField(prior, 'host') ?? '';
    const networkName = stringField(prior, 'name') ?? name;
    return {
      host,
      script: inspectNetworkCommand(networkName),
      parse: (output, exitCode) => parseNetworkInspect(host, output, exitCode),
    };
  },
};

async function ensure(resource: string, attrs: NetworkAttrs, ctx: ProviderContext): Promise<JsonObject> {
  const networkName = attrs.name ?? resource;
  ctx.log.trace(`[docker] NETWORK \`${networkName}\` on ${attrs.host}`);
  await runChecked(
    ctx,
    { kind: KIND, resource, host: attrs.host, step: 'docker network create' },
    ensureNetworkCommand(networkName, attrs.driver),
  );
  return { host: attrs.host, name: networkName, driver: attrs.driver };
}

/**
 * `docker network rm`, where a network that is already gone counts as removed.
 * With `bestEffort`, any other failure is a warning instead of an error.
 */
async function removeTolerant(
  host: string,
  networkName: string,
  resource: string,
  ctx: ProviderContext,
  bestEffort: boolean,
): Promise<void> {
  const result = await ctx.transport.exec(host, removeNetworkCommand(networkName), { signal: ctx.signal });
  if (result.exitCode === 0 || isNoSuchNetwork(result.stderr + result.stdout)) return;
  const target = { kind: KIND, resource, host, step: 'docker network rm' };
  if (!bestEffort) {
    throw commandFailed(
      {
        ...target,
        hint: 'disconnect or remove the containers still attached to the network, then apply again',
      },
      result,
    );
  }
  ctx.log.warn(
    `[docker] could not remove old network \`${networkName}\` on ${host}: ${result.stderr.trim()}`,
  );
}
