/// <reference path="./ssh2-parts.d.ts" />
/**
 * ssh2, loaded the first time a connection is opened or a key parsed. It and
 * its crypto dependencies are most of what provider-ssh costs to import, and
 * `validate`, `fmt` and a `plan` without `--refresh` load the provider for its
 * kinds' schemas without ever reaching a host.
 *
 * Only the two parts used are loaded: ssh2's index also loads its server, its
 * key generator and its HTTP agents (node:http and node:https with them),
 * about 8 ms of every command that reaches a host. ssh2 has no `exports` map,
 * so its files are importable; should a release move them, the index is
 * loaded instead.
 */
import type { Client, utils } from 'ssh2';

/** What stratum uses of ssh2. */
export interface Ssh2 {
  Client: typeof Client;
  utils: { parseKey: typeof utils.parseKey };
}

/** ssh2's client and key parser, as files of the package (see the module comment). */
export const SSH2_PARTS = { client: 'ssh2/lib/client.js', keyParser: 'ssh2/lib/protocol/keyParser.js' };

let loading: Promise<Ssh2> | undefined;

export function loadSsh2(): Promise<Ssh2> {
  // Literal specifiers, so that a bundler that takes provider-ssh in (the CLI's
  // program bundle) takes these files with it.
  loading ??= loadSsh2With(() =>
    Promise.all([import('ssh2/lib/client.js'), import('ssh2/lib/protocol/keyParser.js')]),
  );
  return loading;
}

/** {@link loadSsh2} from the given files; for tests, which point it at missing ones. */
export function loadSsh2From(parts: { client: string; keyParser: string }): Promise<Ssh2> {
  return loadSsh2With(() => Promise.all([import(parts.client), import(parts.keyParser)]));
}

async function loadSsh2With(parts: () => Promise<[unknown, unknown]>): Promise<Ssh2> {
  try {
    const [client, keyParser] = await parts();
    const ssh2 = { Client: commonJs(client), utils: { parseKey: commonJs(keyParser).parseKey } };
    if (typeof ssh2.Client === 'function' && typeof ssh2.utils.parseKey === 'function') return ssh2;
  } catch {
    // Moved or renamed in this ssh2: the index below has both.
  }
  return commonJs(await import('ssh2')) as Ssh2;
}

/** A CommonJS module's exports: Node's namespace has them as `default`. */
// biome-ignore lint/suspicious/noExplicitAny: a module namespace of unknown shape
function commonJs(namespace: any): any {
  return namespace?.default ?? namespace;
}
