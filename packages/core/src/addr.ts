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

/**
 * The name of one instance of a `for_each` resource: the block's name, then
 * the instance key as a JSON string in brackets (`nginx["web1"]`). So the
 * address and the state key are `<kind>.<name>["<key>"]`, and
 * {@link parseAddr}'s split on the first dot still holds (kinds have no dot).
 * JSON escaping makes every key writable: `"` and `\` are escaped, control
 * characters become `\n`, `\u0001` and the like, everything else is as is.
 * The form depends on the key alone, so it is the same on every run.
 */
export function instanceName(base: string, key: string): string {
  return `${base}[${JSON.stringify(key)}]`;
}

/**
 * Splits an instance name back into its base name and key; `undefined` for a
 * name without an instance suffix. Resource names cannot hold `[` (the
 * config refuses it), so the first `[` starts the suffix.
 */
export function parseInstanceName(name: string): { base: string; key: string } | undefined {
  const open = name.indexOf('[');
  if (open <= 0 || !name.endsWith(']')) return undefined;
  const quoted = name.slice(open + 1, -1);
  if (!quoted.startsWith('"')) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(quoted);
  } catch {
    return undefined;
  }
  if (typeof key !== 'string' || JSON.stringify(key) !== quoted) return undefined;
  return { base: name.slice(0, open), key };
}
