import { relative, resolve } from 'node:path';
import { type Extracted, loadFile, loadFiles } from '@stratum/config';
import {
  buildPlan,
  type Diagnostic,
  loadMerged,
  loadState,
  type Plan,
  planViews,
  type Registry,
  type State,
  saveSplit,
  saveState,
  validateDesired,
} from '@stratum/core';
import { checkCrossNamespace, type NamespaceResources } from './cross-namespace';
import { loadEnvFiles } from './env-files';
import { CliError } from './errors';
import type { CliIo } from './io';
import type { GlobalFlags } from './options';
import { loadThirdPartyProviders } from './provider-loader';
import { builtinRegistry } from './runtime';
import { resolveSources, type SourceFlags, type Sources } from './sources';

/**
 * The steps `plan` and `apply` share, in the spec's order: env files → sources
 * (bundle or namespace) → config → cross-namespace check → attribute
 * validation → state → plan. Each step is its own module; this only wires them.
 */
export interface Loaded {
  env: Record<string, string | undefined>;
  sources: Sources;
  extracted: Extracted;
  registry: Registry;
}

export interface PlanFlags extends GlobalFlags, SourceFlags {
  allowUnresolvedSecrets?: boolean | undefined;
}

export async function loadConfig(flags: PlanFlags, io: CliIo): Promise<Loaded> {
  const { env, loaded } = loadEnvFiles(flags.envFile, { cwd: io.cwd, processEnv: io.env });
  for (const path of loaded) io.err(`[env] loaded ${path}`);
  const sources = resolveSources(
    flags,
    io.cwd,
    (manifest) => loadFile(manifest, { env, allowUnresolvedSecrets: true }).namespaces,
  );
  const extracted = loadFiles(
    sources.configs.map((path) => shownPath(path, io)),
    {
      env,
      allowUnresolvedSecrets: flags.allowUnresolvedSecrets ?? false,
    },
  );
  io.redaction = extracted.redaction;
  for (const warning of extracted.warnings) io.err(warning);
  if (sources.mode === 'namespace') checkSiblings(sources, extracted, env, io);
  const registry = builtinRegistry();
  for (const provider of await loadThirdPartyProviders(extracted.providers, io.cwd))
    registry.register(provider);
  reportDiagnostics(validateDesired(extracted.resources, registry), io);
  return { env, sources, extracted, registry };
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

function checkSiblings(sources: Sources, extracted: Extracted, env: Loaded['env'], io: CliIo): void {
  const manifest = sources.manifestPath!;
  const own = (r: Extracted['resources'][number]) => {
    const file = r.source?.block.file;
    return file === undefined || resolve(io.cwd, file) !== manifest;
  };
  const siblings: NamespaceResources[] = [];
  for (const sibling of sources.siblings ?? []) {
    try {
      const loaded = loadFiles([manifest, ...sibling.configs], { env, allowUnresolvedSecrets: true });
      siblings.push({ namespace: sibling.name, resources: loaded.resources.filter(own) });
    } catch (error) {
      // A broken sibling must not block an unrelated namespace: say so and go on.
      io.err(
        `[namespace] skipping sibling \`${sibling.name}\` in the conflict check: ${(error as Error).message}`,
      );
    }
  }
  checkCrossNamespace(
    { namespace: sources.namespace!, resources: extracted.resources.filter(own) },
    siblings,
  );
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

export async function loadStateFor(sources: Sources): Promise<State> {
  return sources.sharedStatePath
    ? loadMerged(sources.statePath, sources.sharedStatePath)
    : loadState(sources.statePath);
}

export async function saveStateFor(sources: Sources, state: State): Promise<void> {
  if (sources.sharedStatePath) await saveSplit(sources.statePath, sources.sharedStatePath, state);
  else await saveState(sources.statePath, state);
}

export async function planFor(loaded: Loaded, state: State): Promise<Plan> {
  const views = await planViews(loaded.extracted.resources, loaded.registry);
  return buildPlan(loaded.extracted.resources, state, { redaction: loaded.extracted.redaction, views });
}
