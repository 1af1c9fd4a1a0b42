import type { HostCommand, KindHandler, Operation } from '@stratum/core';
import { priorHost, priorString } from '@stratum/core/kit';
import {
  ensureNetworkCommand,
  inspectNetworkCommand,
  NO_SUCH_NETWORK,
  removeNetworkCommand,
} from './commands';
import { parseNetworkInspect } from './probe';
import { type NetworkAttrs, networkSchema } from './schema';

/** Docker refuses to remove a network while containers are attached. */
const ATTACHED_HINT = 'disconnect or remove the containers still attached to the network, then apply again';

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
  identity: ['host', 'name'],

  claims({ name, attrs }) {
    return { host: attrs.host, claims: [{ type: 'name', space: 'network name', value: attrs.name ?? name }] };
  },

  create({ name, attrs }) {
    return ensure(name, attrs);
  },

  update({ name, attrs, prior }) {
    const desiredName = attrs.name ?? name;
    const recordedName = priorString(prior, 'name') ?? name;
    const recordedHost = priorString(prior, 'host') ?? attrs.host;
    const recordedDriver = priorString(prior, 'driver');
    const moved = recordedHost !== attrs.host || recordedName !== desiredName;
    if (!moved && recordedDriver !== undefined && recordedDriver !== attrs.driver) {
      // Same network, different driver: docker cannot change a driver in place.
      return ensure(name, attrs, { before: [removeCommand(recordedName, { hint: ATTACHED_HINT })] });
    }
    if (!moved) return ensure(name, attrs);
    // The old network goes once the new one exists; one still in use stays, with a warning.
    return ensure(name, attrs, {
      after: [removeCommand(recordedName, { host: recordedHost, onFailure: 'warn' })],
    });
  },

  delete(request) {
    const host = priorHost(request);
    const networkName = priorString(request.prior, 'name') ?? request.name;
    return {
      host,
      commands: [removeCommand(networkName, { hint: ATTACHED_HINT })],
      trace: [`[docker] NETWORK \`${networkName}\` on ${host} (delete)`],
    };
  },

  probe({ name, prior }) {
    const host = priorString(prior, 'host') ?? '';
    const networkName = priorString(prior, 'name') ?? name;
    return {
      host,
      script: inspectNetworkCommand(networkName),
      parse: (output, exitCode) => parseNetworkInspect(host, output, exitCode),
    };
  },
};

/** `inspect || create`, between the `before` and `after` commands; records `{ host, name, driver }`. */
function ensure(
  resource: string,
  attrs: NetworkAttrs,
  around: { before?: readonly HostCommand[]; after?: readonly HostCommand[] } = {},
): Operation {
  const networkName = attrs.name ?? resource;
  return {
    host: attrs.host,
    commands: [
      ...(around.before ?? []),
      { command: ensureNetworkCommand(networkName, attrs.driver), step: 'docker network create' },
      ...(around.after ?? []),
    ],
    trace: [`[docker] NETWORK \`${networkName}\` on ${attrs.host}`],
    record: () => ({ host: attrs.host, name: networkName, driver: attrs.driver }),
  };
}

/** `docker network rm`, where a network that is already gone counts as removed. */
function removeCommand(networkName: string, options: Partial<HostCommand>): HostCommand {
  return {
    command: removeNetworkCommand(networkName),
    step: `docker network rm ${networkName}`,
    okIfOutput: NO_SUCH_NETWORK,
    ...options,
  };
}
