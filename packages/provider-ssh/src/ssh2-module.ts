/**
 * ssh2, loaded the first time a connection is opened or a key parsed. It and
 * its crypto dependencies are most of what provider-ssh costs to import, and
 * `validate`, `fmt` and a `plan` without `--refresh` load the provider for its
 * kinds' schemas without ever reaching a host.
 */
export type Ssh2 = typeof import('ssh2');

let loading: Promise<Ssh2> | undefined;

export function loadSsh2(): Promise<Ssh2> {
  // A CommonJS package: Node's namespace has its exports as `default`.
  loading ??= import('ssh2').then((module) => (module as { default?: Ssh2 }).default ?? module);
  return loading;
}
