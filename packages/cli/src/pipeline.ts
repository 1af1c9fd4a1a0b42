import { join, relative, resolve } from 'node:path';
import { type Extracted, type LoadOptions, loadFile, loadFiles } from '@stratum/config';
import {
  checkCrossNamespace,
  createEngine,
  type DesiredResource,
  type Diagnostic,
  type Engine,
  type EngineEvent,
  fileStateBackend,
  type NamespaceResources,
  prepareDesired,
  type Registry,
  type StateBackend,
  splitStateBackend,
  type Transport,
  validateProviderSettings,
} from '@stratum/core';
import { loadEnvFiles } from './env-files';
import { CliError } from './errors';
import type { CliIo } from './io';
import { type GlobalFlags, parallelismOf } from './options';
import { parseCacheInUse } from './parse-cache';
import { lazyPostgresBackend } from './postgres-state';
import { loadThirdPartyProviders } from './provider-loader';
import { builtinRegistry } from './runtime';
import { siblingNamespace } from './sibling-namespace';
import { chosenState, isStateUrl, resolveSources, type SourceFlags, type Sources } from './sources';

/**
 * The steps every config-reading command shares, in the spec's order: env
 * files → sources (bundle or namespace) → config → providers → the kinds'
 * `prepare` → cross-namespace check → attribute and provider-settings
 * validation. Each step is its own module; this only wires them. Planning and
 * applying are `@stratum/core`'s engine (see {@link engineFor}).
 */
export interface Loaded {
  env: Record<string, string | undefined>;
  sources: Sources;
  extracted: Extracted;
  registry: Registry;
  /** The desired resources after their kinds' `prepare`: what is planned and applied. */
  desired: DesiredResource[];
  /** The warnings among the kinds' and providers' diagnostics (already printed to stderr). */
  warnings: Diagnostic[];
}

export interface PlanFlags extends GlobalFlags, SourceFlags {
  allowUnresolvedSecrets?: boolean | undefined;
}

/** What a command may do while its config loads. */
export interface LoadHooks {
  /**
   * Called once the config is read and evaluated, before the providers, the
   * kinds' `prepare` and validation: the hosts are known from here on.
   */
  onExtracted?: ((extracted: Extracted) => void) | undefined;
}

export async function loadConfig(flags: PlanFlags, io: CliIo, hooks: LoadHooks = {}): Promise<Loaded> {
  const { env, loaded } = loadEnvFiles(flags.envFile, { cwd: io.cwd, processEnv: io.env });
  for (const path of loaded) io.err(`[env] loaded ${path}`);
  const variables = variableOptions(flags, io);
  // The manifest alone, or with a sibling's files, lacks the variables the rest declares.
  const parsed = parseCacheInUse();
  const partial = {
    ...variables,
    env,
    parsed,
    allowUnresolvedSecrets: true,
    ignoreUndeclaredVariables: true,
  };
  const sources = resolveSources(
    { ...flags, state: chosenState(flags, env) },
    io.cwd,
    (manifest) => loadFile(manifest, partial).namespaces,
  );
  const extracted = loadFiles(
    sources.configs.map((path) => shownPath(path, io)),
    {
      ...variables,
      env,
      parsed,
      allowUnresolvedSecrets: flags.allowUnresolvedSecrets ?? false,
    },
  );
  io.redaction = extracted.redaction;
  for (const warning of extracted.warnings) io.err(warning);
  hooks.onExtracted?.(extracted);
  const registry = builtinRegistry();
  for (const provider of await loadThirdPartyProviders(extracted.providers, io.cwd))
    registry.register(provider);
  const prepared = await prepareDesired(extracted.resources, registry, { redaction: extracted.redaction });
  if (sources.mode === 'namespace') await checkSiblings(sources, prepared.resources, registry, partial, io);
  const diagnostics = [...prepared.diagnostics, ...validateProviderSettings(extracted.providers, registry)];
  reportDiagnostics(diagnostics, io);
  const warnings = diagnostics.filter((d) => d.severity !== 'error');
  return { env, sources, extracted, registry, desired: prepared.resources, warnings };
}

/** `--var` and `--var-file` as load options; variable files are shown as the user wrote them. */
function variableOptions(flags: PlanFlags, io: CliIo): Pick<LoadOptions, 'varArgs' | 'varFiles'> {
  return {
    varArgs: flags.var ?? [],
    varFiles: (flags.varFile ?? []).map((path) => shownPath(resolve(io.cwd, path), io)),
  };
}

/**
 * The state a command works on: one file, or in namespace mode the namespace's
 * file plus `_shared.json`; for a `postgres://` location the PostgreSQL
 * backend (the namespace's state plus `_shared` in that database).
 */
export function stateBackendFor(sources: Sources, cwd?: string): StateBackend {
  if (isStateUrl(sources.statePath)) {
    return lazyPostgresBackend(sources.statePath, {
      ...(sources.mode === 'namespace' ? { state: sources.namespace, shared: '_shared' } : {}),
      recoveryDir: cwd === undefined ? undefined : join(cwd, '.stratum', 'recovery'),
    });
  }
  return sources.sharedStatePath
    ? splitStateBackend(sources.statePath, sources.sharedStatePath)
    : fileStateBackend(sources.statePath);
}

/** Options of {@link engineFor}. */
export interface EngineWiring {
  transport: Transport;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: EngineEvent) => void) | undefined;
  verbose?: boolean | undefined;
  /** `--parallelism`, as given (checked when the flags were read). */
  parallelism?: string | undefined;
}

/**
 * The engine over a loaded config. Kinds' log lines (already scrubbed of
 * secrets by the engine) go to stderr unless `onEvent` takes them.
 */
export function engineFor(loaded: Loaded, io: CliIo, wiring: EngineWiring): Engine {
  return createEngine({
    registry: loaded.registry,
    transport: wiring.transport,
    state: stateBackendFor(loaded.sources, io.cwd),
    redaction: loaded.extracted.redaction,
    providers: loaded.extracted.providers,
    signal: wiring.signal,
    parallelism: parallelismOf(wiring.parallelism),
    onEvent: wiring.onEvent ?? logLines(io, wiring.verbose),
    onStaleLock: (stale, path) =>
      io.err(`[state] took over a stale lock ${path} left by pid ${stale.pid} on ${stale.host}`),
  });
}

/** Prints the engine's log lines: traces and warnings always, debug lines with `--verbose`. */
export function logLines(io: CliIo, verbose: boolean | undefined, print: (line: string) => void = io.err) {
  return (event: EngineEvent) => {
    if (event.type !== 'log') return;
    if (event.level === 'debug' && !verbose) return;
    print(event.line);
  };
}

/**
 * Configs are loaded by the path the user would recognise (relative to the
 * working directory), so messages say `hosts.strat`, not `/home/…/hosts.strat`.
 * Only when this process runs in that directory: relative paths resolve
 * against the process's own working directory.
 */
function shownPath(path: string, io: CliIo): string {
  if (io.cwd !== process.cwd()) return path;
  const rel = relative(io.cwd, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/**
 * Namespace mode: the current namespace's resources against every sibling's
 * (core's `checkCrossNamespace`, from the kinds' claims). Resources declared
 * in the manifest belong to no namespace and are left out on both sides.
 */
async function checkSiblings(
  sources: Sources,
  desired: readonly DesiredResource[],
  registry: Registry,
  options: LoadOptions,
  io: CliIo,
): Promise<void> {
  const manifest = sources.manifestPath!;
  const own = (r: DesiredResource) => {
    const file = r.source?.block.file;
    return file === undefined || resolve(io.cwd, file) !== manifest;
  };
  const siblings: NamespaceResources[] = [];
  for (const sibling of sources.siblings ?? []) {
    try {
      const loaded = loadFiles([manifest, ...sibling.configs], options);
      siblings.push(await siblingNamespace(sibling.name, loaded, own, registry, io.cwd));
    } catch (error) {
      // A broken sibling must not block an unrelated namespace: say so and go on.
      io.err(
        `[namespace] skipping sibling \`${sibling.name}\` in the conflict check: ${(error as Error).message}`,
      );
    }
  }
  checkCrossNamespace({ namespace: sources.namespace!, resources: desired.filter(own) }, siblings, registry);
}

function reportDiagnostics(diagnostics: Diagnostic[], io: CliIo): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const d of diagnostics.filter((d) => d.severity !== 'error'))
    io.err(`warning: ${formatDiagnostic(d, io)}`);
  if (errors.length === 0) return;
  throw new CliError(
    'InvalidAttributes',
    `${errors.length} invalid resource attribute${errors.length === 1 ? '' : 's'}:`,
    {
      details: errors.map((d) => `  ${formatDiagnostic(d, io)}`),
      diagnostics,
      hint: 'fix the attributes above; the provider reference in docs/reference/providers lists every attribute',
    },
  );
}

function formatDiagnostic(d: Diagnostic, io: CliIo): string {
  const where = d.location
    ? `${d.location.file ? relative(io.cwd, d.location.file) : '<input>'}:${d.location.line}:${d.location.column}: `
    : '';
  return `${where}${d.message}${d.hint ? ` (${d.hint})` : ''}`;
}
