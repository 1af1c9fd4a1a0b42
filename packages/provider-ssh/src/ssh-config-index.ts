import type SSHConfig from 'ssh-config';

/**
 * The part of a parsed ssh config that can apply to one host, for
 * `SSHConfig.compute`.
 *
 * `compute` tests every `Host` line against the host, compiling a dozen
 * regular expressions per pattern: with a config that has a `Host` block per
 * machine, resolving N hosts cost N² of them (≈ 100 ms of client CPU for 200
 * hosts). Here each config is indexed once: a `Host` line whose patterns are
 * all plain names is kept for those names only; everything else (wildcard or
 * negated patterns, global directives, comments) is kept for every host. What
 * is dropped could never have matched, so `compute` on the part gives what it
 * gives on the whole.
 *
 * A config with a `Match` line or `CanonicalizeHostName` is used whole: those
 * can change the name `Host` lines are tested against in the middle of a
 * computation.
 */
export function configForHost(config: SSHConfig, host: string): SSHConfig {
  let index = indexes.get(config);
  if (!index) {
    index = indexConfig(config);
    indexes.set(config, index);
  }
  if (index === 'whole') return config;
  const positions = [...index.everyHost, ...(index.byName.get(host.toLowerCase()) ?? [])].sort(
    (a, b) => a - b,
  );
  // The class of the config given: ssh-config is loaded only where a config is parsed (loadSshConfig).
  const part = new (config.constructor as new () => SSHConfig)();
  for (const position of positions) part.push(config[position]!);
  return part;
}

interface ConfigIndex {
  /** Positions of the top-level lines every host's computation reads. */
  everyHost: number[];
  /** Lowercased plain name → positions of the `Host` lines naming it. */
  byName: Map<string, number[]>;
}

const indexes = new WeakMap<SSHConfig, ConfigIndex | 'whole'>();

type Line = SSHConfig[number];

/** A directive (or a `Host` / `Match` section, which is one too); comments have no `param`. */
function isDirective(line: Line): line is Line & { param: string; value: unknown } {
  return 'param' in line;
}

/** A `Host` line's patterns, split as `compute` splits them. */
function hostPatterns(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((part: { val: string }) => part.val);
  return typeof value === 'string' ? value.split(',') : [];
}

function changesTheName(config: SSHConfig): boolean {
  for (const line of config) {
    if (!isDirective(line)) continue;
    if (/^(match|canonicalizehostname)$/i.test(line.param)) return true;
    for (const inner of 'config' in line ? (line.config as SSHConfig) : []) {
      if (isDirective(inner) && /^(match|canonicalizehostname)$/i.test(inner.param)) return true;
    }
  }
  return false;
}

function indexConfig(config: SSHConfig): ConfigIndex | 'whole' {
  if (changesTheName(config)) return 'whole';
  const everyHost: number[] = [];
  const byName = new Map<string, number[]>();
  config.forEach((line, position) => {
    if (!isDirective(line) || !/^host$/i.test(line.param)) {
      everyHost.push(position);
      return;
    }
    const patterns = hostPatterns(line.value);
    // A negated pattern never makes a line match, so only the others name hosts.
    const naming = patterns.filter((pattern) => !pattern.startsWith('!'));
    if (naming.some((pattern) => /[*?]/.test(pattern))) {
      everyHost.push(position);
      return;
    }
    for (const name of new Set(naming.map((pattern) => pattern.toLowerCase()))) {
      const lines = byName.get(name);
      if (lines) lines.push(position);
      else byName.set(name, [position]);
    }
  });
  return { everyHost, byName };
}
