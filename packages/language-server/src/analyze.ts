import { dirname, relative, resolve } from 'node:path';
import { builtinRegistry, loadThirdPartyProviders, siblingNamespace } from '@stratum/cli';
import { ConfigError, type Document, type Extracted, loadFiles, loadSources, parse } from '@stratum/config';
import {
  buildPlan,
  type Diagnostic as CoreDiagnostic,
  crossNamespaceConflict,
  type DesiredResource,
  emptyState,
  type NamespaceResources,
  PlanError,
  prepareDesired,
  type Registry,
  StratumError,
  validateProviderSettings,
} from '@stratum/core';
import { type Diagnostic, DiagnosticSeverity, type Range } from 'vscode-languageserver';
import { allBlocks, allReferences, labelsOf } from './ast-walk';
import { spanRange, wordRange } from './ranges';

/** One file of a config set: its text as the editor holds it, or undefined when it cannot be read. */
export interface ConfigFile {
  path: string;
  text: string | undefined;
}

/**
 * The files a document is read with, as one CLI run loads them: `files` in
 * load order (absolute paths), read as `stratum validate` run in `cwd` reads
 * them (the files are named relative to it in messages; third-party providers
 * load from it).
 */
export interface ConfigSet {
  files: ConfigFile[];
  cwd: string;
  /**
   * Namespace mode: the namespace the set is, its manifest, and the other
   * namespaces the manifest declares (each as the files it loads), for the
   * cross-namespace check `stratum -n NAME validate` runs.
   */
  crossNamespace?: CrossNamespaceSet | undefined;
}

export interface CrossNamespaceSet {
  namespace: string;
  manifest: string;
  siblings: readonly { name: string; files: readonly ConfigFile[] }[];
}

/** What the server knows about one document after reading it with its config set. */
export interface Analysis {
  /** Every problem `stratum validate` reports for the set that is in this document, each with a range. */
  diagnostics: Diagnostic[];
  /** Every problem of the set, by the absolute path of the file it is in (this document's included). */
  byFile: Map<string, Diagnostic[]>;
  /** The syntax tree, when the text parses. */
  document?: Document | undefined;
  /** The syntax trees of the set's other files that parsed, in load order. */
  others: { path: string; document: Document }[];
  /** The evaluated config (the whole set), when it evaluates. */
  extracted?: Extracted | undefined;
  /** The built-in providers plus the third-party ones the config declares (when they load). */
  registry: Registry;
  /**
   * When evaluating stopped at a reference to a name no file of the set
   * declares: that name as {@link declarationKey} writes it (`host prod`).
   */
  unknown?: string | undefined;
}

/** The source every diagnostic names, as editors show it. */
export const DIAGNOSTIC_SOURCE = 'stratum';

/**
 * Reads `text` (the file at `path`) alone, the way `stratum validate -c <path>`
 * run in the file's directory does.
 */
export function analyze(text: string, path: string): Promise<Analysis> {
  return analyzeSet({ files: [{ path, text }], cwd: dirname(path) }, path);
}

/** A file of the set while it is analysed: its name in messages and its syntax tree once parsed. */
interface SetFile extends ConfigFile {
  name: string;
  document?: Document | undefined;
}

/** A diagnostic and the file it is about. */
interface Placed {
  file: SetFile;
  diagnostic: Diagnostic;
}

/**
 * Reads a config set the way `stratum validate` run in `set.cwd` over those
 * files does — the same functions in the same order, so codes and messages
 * are the CLI's: parse and evaluate (`@stratum/config`), load the declared
 * third-party providers, the kinds' `prepare` and schemas, the providers'
 * settings, then the planner's checks. Where the CLI stops at the first
 * failing step, so does this; every problem of the step is reported, in the
 * file it is about. `target` (one of the set's paths) is the document asked about.
 */
export async function analyzeSet(set: ConfigSet, target: string): Promise<Analysis> {
  const files: SetFile[] = set.files.map((f) => ({ ...f, name: shownName(f.path, set.cwd) }));
  const self = files.find((f) => f.path === target) ?? files[0]!;
  const byName = new Map(files.map((f) => [f.name, f]));
  const placed: Placed[] = [];
  let registry = builtinRegistry();
  let extracted: Extracted | undefined;
  let unknown: string | undefined;
  const finish = (): Analysis => {
    const byFile = new Map<string, Diagnostic[]>();
    for (const { file, diagnostic } of placed)
      byFile.set(file.path, [...(byFile.get(file.path) ?? []), diagnostic]);
    return {
      diagnostics: byFile.get(self.path) ?? [],
      byFile,
      document: self.document,
      others: files.flatMap((f) =>
        f === self || f.document === undefined ? [] : [{ path: f.path, document: f.document }],
      ),
      extracted,
      registry,
      unknown,
    };
  };
  /** A thrown error in the file its span names (else `fallback`'s file, else this document). */
  const placeError = (error: unknown, fallback?: { file: SetFile; range: Range }) => {
    const named = ConfigError.isInstance(error) && error.line > 0 ? byName.get(error.file ?? '') : undefined;
    const file = named ?? fallback?.file ?? self;
    placed.push({ file, diagnostic: fromError(error, file.document, named ? undefined : fallback?.range) });
    if (ConfigError.isInstance(error)) {
      unknown = unknownNameOf(error);
      const first = firstDeclarationOf(error, files);
      if (first && first.file !== file)
        placed.push({ file: first.file, diagnostic: { ...placed.at(-1)!.diagnostic, range: first.range } });
    }
  };

  for (const file of files) {
    if (file.text === undefined) {
      placed.push(
        unreadable(file, files) ?? { file: self, diagnostic: fromError(unreadableError(file), undefined) },
      );
      return finish();
    }
    try {
      file.document = parse(file.text, file.name);
    } catch (error) {
      placeError(error, { file, range: firstLine() });
      return finish();
    }
  }
  try {
    extracted = loadSources(
      files.map((f) => ({ file: f.name, source: f.text ?? '', baseDir: dirname(f.path) })),
      {},
    );
  } catch (error) {
    placeError(error);
    return finish();
  }
  try {
    const withThirdParty = builtinRegistry();
    for (const provider of await loadThirdPartyProviders(extracted.providers, set.cwd))
      withThirdParty.register(provider);
    registry = withThirdParty;
  } catch (error) {
    placeError(error, providerBlockOf(error, files));
    return finish();
  }
  const prepared = await prepareDesired(extracted.resources, registry, { redaction: extracted.redaction });
  if (set.crossNamespace !== undefined) {
    // As the CLI does, before the kinds' diagnostics are reported.
    const conflict = await crossNamespaceFinding(set.crossNamespace, prepared.resources, registry, set.cwd);
    if (conflict !== undefined) {
      const { error } = conflict;
      const message = withHint([error.message, ...error.details].join('\n'), error.hint);
      for (const { file, range } of resourcePlaces([conflict.addr], self, byName, extracted))
        placed.push({
          file,
          diagnostic: { ...at(range, DiagnosticSeverity.Error), code: error.code, message },
        });
      return finish();
    }
  }
  const found = [...prepared.diagnostics, ...validateProviderSettings(extracted.providers, registry)];
  for (const d of found) {
    const file = (d.location?.file !== undefined && byName.get(d.location.file)) || self;
    placed.push({ file, diagnostic: fromCoreDiagnostic(d, file.text ?? '', file.document!) });
  }
  if (found.some((d) => d.severity === 'error')) return finish();
  try {
    const plan = buildPlan(prepared.resources, emptyState(), { redaction: extracted.redaction, registry });
    for (const warning of plan.warnings)
      placed.push({
        file: self,
        diagnostic: { ...at(firstLine(), DiagnosticSeverity.Warning), message: warning },
      });
  } catch (error) {
    placed.push(...fromPlanError(error, self, byName, extracted));
    // `depends_on` naming a resource no file of the set declares: a sibling may declare it.
    if (PlanError.isInstance(error) && error.code === 'UnknownDependency' && error.addresses[1] !== undefined)
      unknown = `resource ${error.addresses[1]}`;
  }
  return finish();
}

/** A file as the CLI run in `cwd` names it: relative to `cwd`, else (outside it) its absolute path. */
function shownName(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** How a declared name is keyed: `host prod`, `secret token`, `variable motd`, `group web`, `resource system_file.motd`. */
export function declarationKey(block: Document['blocks'][number]): string | undefined {
  const labels = labelsOf(block);
  if (block.kind === 'resource') return labels.length === 2 ? `resource ${labels.join('.')}` : undefined;
  return DECLARED_KINDS.has(block.kind) && labels[0] !== undefined ? `${block.kind} ${labels[0]}` : undefined;
}

/** The blocks whose names other files reference: what a sibling file can declare for a document. */
const DECLARED_KINDS: ReadonlySet<string> = new Set(['host', 'secret', 'variable', 'group']);

/** `unknown host \`prod\` in ...` as `host prod`: the name a document lacks. */
function unknownNameOf(error: ConfigError): string | undefined {
  const match = /^unknown (host|secret|variable|group|resource) `([^`]+)`/.exec(error.message);
  return match && error.code.startsWith('Unknown') ? `${match[1]} ${match[2]}` : undefined;
}

/**
 * A name declared in two files is reported (by the loader) at the second;
 * the same diagnostic goes on the first declaration too, so both files show it.
 */
function firstDeclarationOf(
  error: ConfigError,
  files: readonly SetFile[],
): { file: SetFile; range: Range } | undefined {
  const match = /^duplicate (\w+) `([^`]+)`: defined in (.+) and (.+)$/.exec(error.message);
  if (!match || !error.code.startsWith('Duplicate') || match[3] === match[4]) return undefined;
  const file = files.find((f) => f.name === match[3]);
  const block = file?.document?.blocks.find(
    (b) =>
      b.kind === match[1] && (b.kind === 'resource' ? labelsOf(b).join('.') : labelsOf(b)[0]) === match[2],
  );
  // Marked as the loader marks the second: the name's label.
  const label = block?.labels.at(-1);
  return file && label ? { file, range: spanRange(label.span) } : undefined;
}

/**
 * A file of the set that is neither open nor readable on disk (a namespace
 * lists a file that is not there): the loader's own error, naming the file as
 * the set names it, on the `configs` entry that lists it.
 */
function unreadable(file: SetFile, files: readonly SetFile[]): Placed | undefined {
  for (const manifest of files) {
    const entry = manifest.document?.blocks
      .filter((b) => b.kind === 'namespace')
      .flatMap((b) => b.body)
      .flatMap((item) =>
        item.type === 'attribute' && item.name === 'configs' && item.value.type === 'list'
          ? item.value.items
          : [],
      )
      .find((item) => item.type === 'string' && resolve(dirname(manifest.path), item.value) === file.path);
    if (entry)
      return {
        file: manifest,
        diagnostic: fromError(unreadableError(file), manifest.document, spanRange(entry.span)),
      };
  }
  return undefined;
}

function unreadableError(file: SetFile): ConfigError {
  try {
    loadFiles([file.path]);
  } catch (error) {
    if (ConfigError.isInstance(error) && error.code === 'ConfigFileUnreadable') {
      const message = error.message.replaceAll(file.path, file.name);
      return new ConfigError(error.code, message, undefined, { hint: error.hint });
    }
  }
  // Readable again since the editor looked: the next analysis reads it.
  return new ConfigError('ConfigFileUnreadable', `cannot read config file \`${file.name}\``, undefined);
}

function at(range: Range, severity: DiagnosticSeverity): Pick<Diagnostic, 'range' | 'severity' | 'source'> {
  return { range, severity, source: DIAGNOSTIC_SOURCE };
}

function firstLine(): Range {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

function withHint(message: string, hint: string | undefined): string {
  return hint ? `${message}\nhint: ${hint}` : message;
}

/** A thrown error as one diagnostic: a config error at its span, anything else at `fallback` or the top. */
function fromError(error: unknown, document: Document | undefined, fallback?: Range): Diagnostic {
  if (ConfigError.isInstance(error)) {
    const range =
      error.span !== undefined && error.line > 0
        ? spanRange(error.span)
        : (fallback ?? (document ? spanRange(document.span) : firstLine()));
    return {
      ...at(range, DiagnosticSeverity.Error),
      code: error.code,
      message: withHint(error.message, error.hint),
    };
  }
  if (StratumError.isInstance(error)) {
    // The CLI's messages start with `file:line:col: ` for a terminal; the range says that here.
    const message = error.message.replace(/^\S+:\d+:\d+: /, '');
    return {
      ...at(fallback ?? firstLine(), DiagnosticSeverity.Error),
      code: error.code,
      message: withHint(message, error.hint),
    };
  }
  // A bug below us must not take the editor's server down: say what happened where the user looks.
  const message = error instanceof Error ? error.message : String(error);
  return { ...at(fallback ?? firstLine(), DiagnosticSeverity.Error), message: `internal error: ${message}` };
}

/** A core diagnostic's point (an attribute's or a block's start) widened to that attribute or block header. */
function fromCoreDiagnostic(d: CoreDiagnostic, text: string, document: Document): Diagnostic {
  const severity = d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning;
  const range = d.location ? rangeAt(d.location.line, d.location.column, text, document) : firstLine();
  return { ...at(range, severity), code: d.code, message: withHint(d.message, d.hint) };
}

/** The attribute, block header or reference starting at a 1-based line and column, else the word there. */
export function rangeAt(line: number, column: number, text: string, document: Document): Range {
  for (const block of allBlocks(document)) {
    if (block.span.start.line === line && block.span.start.column === column) return headerRange(block);
    for (const item of block.body) {
      if (item.type === 'attribute' && item.span.start.line === line && item.span.start.column === column)
        return spanRange(item.span);
    }
  }
  const reference = allReferences(document).find(
    (r) => r.span.start.line === line && r.span.start.column === column,
  );
  return reference ? spanRange(reference.span) : wordRange(text, line, column);
}

/** `resource "kind" "name"`: from the block's keyword to its last label. */
export function headerRange(block: Document['blocks'][number]): Range {
  const last = block.labels.at(-1);
  return spanRange({ start: block.kindSpan.start, end: (last?.span ?? block.kindSpan).end });
}

/** The `provider "<name>"` block a provider-loading error is about (its message names it), in whichever file declares it. */
function providerBlockOf(
  error: unknown,
  files: readonly SetFile[],
): { file: SetFile; range: Range } | undefined {
  const message = error instanceof Error ? error.message : '';
  for (const file of files) {
    const block = file.document?.blocks.find(
      (b) => b.kind === 'provider' && message.includes(`provider \`${labelsOf(b)[0] ?? ''}\``),
    );
    if (block) return { file, range: headerRange(block) };
  }
  return undefined;
}

/** A planner refusal, once on each resource it names, in the file that declares it. */
function fromPlanError(
  error: unknown,
  self: SetFile,
  byName: ReadonlyMap<string, SetFile>,
  extracted: Extracted,
): Placed[] {
  if (!PlanError.isInstance(error)) return [{ file: self, diagnostic: fromError(error, self.document) }];
  return resourcePlaces(error.addresses, self, byName, extracted).map(({ file, range }) => ({
    file,
    diagnostic: {
      ...at(range, DiagnosticSeverity.Error),
      code: error.code,
      message: withHint(error.message, error.hint),
    },
  }));
}

/** The block headers of the resources at `addresses` (`kind.name`), in their files; this document's top when none is found. */
function resourcePlaces(
  addresses: readonly string[],
  self: SetFile,
  byName: ReadonlyMap<string, SetFile>,
  extracted: Extracted,
): { file: SetFile; range: Range }[] {
  const places = addresses.flatMap((address) => {
    const resource = extracted.resources.find((r) => `${r.addr.kind}.${r.addr.name}` === address);
    const block = resource?.source?.block;
    const file = block && (byName.get(block.file ?? '') ?? self);
    return block && file?.document
      ? [{ file, range: rangeAt(block.line, block.column, file.text ?? '', file.document) }]
      : [];
  });
  return places.length === 0 ? [{ file: self, range: firstLine() }] : places;
}

/**
 * What `stratum -n NAME validate` refuses between namespaces: each sibling
 * namespace is loaded (the manifest plus its configs, open buffers over the
 * disk, unresolved secrets allowed) the way the CLI loads it, and the
 * current namespace's resources are checked against theirs. A sibling that
 * cannot be read or loaded is left out, as the CLI leaves it out (with a
 * warning there, which an editor has no place for).
 */
async function crossNamespaceFinding(
  cross: CrossNamespaceSet,
  resources: readonly DesiredResource[],
  registry: Registry,
  cwd: string,
) {
  const manifestName = shownName(cross.manifest, cwd);
  // The manifest's own resources belong to no namespace, on either side.
  const own = (resource: DesiredResource) => resource.source?.block.file !== manifestName;
  const siblings: NamespaceResources[] = [];
  for (const sibling of cross.siblings) {
    const sources = sibling.files.flatMap((f) =>
      f.text === undefined
        ? []
        : [{ file: shownName(f.path, cwd), source: f.text, baseDir: dirname(f.path) }],
    );
    if (sources.length < sibling.files.length) continue;
    try {
      const loaded = loadSources(sources, { allowUnresolvedSecrets: true, ignoreUndeclaredVariables: true });
      siblings.push(await siblingNamespace(sibling.name, loaded, own, registry, cwd));
    } catch {
      // A broken sibling does not block this namespace.
    }
  }
  return crossNamespaceConflict(
    { namespace: cross.namespace, resources: resources.filter(own) },
    siblings,
    registry,
  );
}
