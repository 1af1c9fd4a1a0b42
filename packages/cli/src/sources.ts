import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CliError } from './errors';

/**
 * Which config files and which state file(s) a command works on.
 *
 * Bundle mode (no `-n`): `-c` files (default `stratum.strat`) and `-s` (default
 * `.stratum/state.json`), one state file.
 * Namespace mode (`-n NAME`): the manifest (`--manifest` or `./stratum.strat`)
 * first, then the namespace's `configs`; state from `-s`, else the namespace's
 * `state =`, else `.stratum/<name>.json` beside the manifest; the implicit
 * `_stratum_*` resources live in `_shared.json` beside that state file.
 */
export interface Sources {
  mode: 'bundle' | 'namespace';
  /** Absolute config paths, in load order. */
  configs: string[];
  /** Absolute state path. */
  statePath: string;
  /** Namespace mode only: absolute path of `_shared.json`. */
  sharedStatePath?: string | undefined;
  namespace?: string | undefined;
  manifestPath?: string | undefined;
  /** The namespace mode's siblings, for the cross-namespace validator. */
  siblings?: NamespaceEntry[] | undefined;
}

export interface NamespaceEntry {
  name: string;
  configs: string[];
  state?: string | undefined;
}

export interface SourceFlags {
  config?: readonly string[] | undefined;
  state?: string | undefined;
  namespace?: string | undefined;
  manifest?: string | undefined;
}

export const DEFAULT_CONFIG = 'stratum.strat';
export const DEFAULT_STATE = join('.stratum', 'state.json');

/** The environment variable naming the state location when `-s` is not given. */
export const STATE_ENV = 'STRATUM_STATE';

/** True for a state location that is a PostgreSQL URL rather than a file path. */
export function isStateUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A state location as given: a URL as it is, a path made absolute. */
export function stateLocation(cwd: string, location: string): string {
  return isStateUrl(location) ? location : resolve(cwd, location);
}

/** `-s`, else `STRATUM_STATE`: the state location the user chose for this run, if any. */
export function chosenState(flags: SourceFlags, env: Record<string, string | undefined>): string | undefined {
  return flags.state ?? (env[STATE_ENV] || undefined);
}

/** Reads a manifest's namespace declarations (paths already absolute). */
export type ManifestReader = (path: string) => NamespaceEntry[];

export function resolveSources(flags: SourceFlags, cwd: string, readManifest: ManifestReader): Sources {
  if (flags.namespace === undefined) {
    const configs = (flags.config && flags.config.length > 0 ? flags.config : [DEFAULT_CONFIG]).map((c) =>
      resolve(cwd, c),
    );
    return { mode: 'bundle', configs, statePath: stateLocation(cwd, flags.state ?? DEFAULT_STATE) };
  }

  const name = flags.namespace;
  if (flags.config && flags.config.length > 0) {
    throw new CliError('NamespaceWithConfig', '-n/--namespace and -c/--config are mutually exclusive', {
      hint: `the namespace's configs = [...] is the config list; drop -n for bundle mode, or drop -c to let namespace \`${name}\` pick its files`,
    });
  }
  const manifestPath = resolve(cwd, flags.manifest ?? DEFAULT_CONFIG);
  if (!existsSync(manifestPath)) {
    const shown = flags.manifest ?? `./${DEFAULT_CONFIG}`;
    throw new CliError('ManifestMissing', `-n ${name} requires a manifest, but ${shown} does not exist`, {
      hint: 'run from the directory holding stratum.strat, or pass --manifest PATH',
    });
  }
  const namespaces = readManifest(manifestPath);
  const selected = namespaces.find((ns) => ns.name === name);
  if (!selected) {
    const known = namespaces.map((ns) => ns.name).join(', ') || 'none';
    throw new CliError(
      'UnknownNamespace',
      `namespace \`${name}\` not declared in ${relative(cwd, manifestPath) || manifestPath} (known: ${known})`,
      { hint: 'add a namespace block to the manifest or pick one of the known names' },
    );
  }
  const statePath = flags.state
    ? stateLocation(cwd, flags.state)
    : (selected.state ?? join(dirname(manifestPath), '.stratum', `${name}.json`));
  return {
    mode: 'namespace',
    configs: [manifestPath, ...selected.configs.filter((c) => c !== manifestPath)],
    statePath,
    // A database keeps the shared rows itself (see stateBackendFor).
    sharedStatePath: isStateUrl(statePath) ? undefined : join(dirname(statePath), '_shared.json'),
    namespace: name,
    manifestPath,
    siblings: namespaces.filter((ns) => ns.name !== name),
  };
}
