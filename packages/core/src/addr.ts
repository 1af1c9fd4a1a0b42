import { StratumError } from './errors';
import type { ResourceAddr } from './types';

/** The string form of an address, `<kind>.<name>`: the state map's key and what messages show. */
export function addrKey(addr: ResourceAddr): string {
  return `${addr.kind}.${addr.name}`;
}

/**
 * Parses `<kind>.<name>`. The split is on the FIRST `.`: kinds never contain a
 * dot, while names may (`system_file.nginx.conf` is kind `system_file`, name
 * `nginx.conf`).
 *
 * @throws StratumError `InvalidAddress` when there is no dot or either half is empty.
 */
export function parseAddr(key: string): ResourceAddr {
  const dot = key.indexOf('.');
  if (dot <= 0 || dot === key.length - 1) {
    throw new StratumError('InvalidAddress', `\`${key}\` is not a resource address`, {
      hint: 'write addresses as <kind>.<name>, e.g. docker_container.db',
    });
  }
  return { kind: key.slice(0, dot), name: key.slice(dot + 1) };
}
