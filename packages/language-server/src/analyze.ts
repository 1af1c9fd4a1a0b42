import { basename, dirname } from 'node:path';
import { builtinRegistry, loadThirdPartyProviders } from '@stratum/cli';
import { ConfigError, type Document, type Extracted, loadStr, parse } from '@stratum/config';
import {
  buildPlan,
  type Diagnostic as CoreDiagnostic,
  emptyState,
  PlanError,
  prepareDesired,
  type Registry,
  StratumError,
  validateProviderSettings,
} from '@stratum/core';
import { type Diagnostic, DiagnosticSeverity, type Range } from 'vscode-languageserver';
import { allBlocks, allReferences, labelsOf } from './ast-walk';
import { spanRange, wordRange } from './ranges';

/** What the server knows about one document after reading it. */
export interface Analysis {
  /** Every problem `stratum validate -c <file>` reports for this text, each with a range. */
  diagnostics: Diagnostic[];
  /** The syntax tree, when the text parses. */
  document?: Document | undefined;
  /** The evaluated config, when it evaluates. */
  extracted?: Extracted | undefined;
  /** The built-in providers plus the third-party ones the config declares (when they load). */
  registry: Registry;
}

/** The source every diagnostic names, as editors show it. */
export const DIAGNOSTIC_SOURCE = 'stratum';

/**
 * Reads `text` (the file at `path`) the way `stratum validate -c <path>` run in
 * the file's directory does — the same functions in the same order, so codes
 * and messages are the CLI's: parse and evaluate (`@stratum/config`), load the
 * declared third-party providers, the kinds' `prepare` and schemas, the
 * providers' settings, then the planner's checks. Where the CLI stops at the
 * first failing step, so does this; every problem of the step is reported.
 */
export async function analyze(text: string, path: string): Promise<Analysis> {
  const cwd = dirname(path);
  let registry = builtinRegistry();
  let document: Document | undefined;
  try {
    document = parse(text, path);
  } catch (error) {
    return { diagnostics: [fromError(error, undefined)], registry };
  }
  let extracted: Extracted;
  try {
    // Named as `validate -c <file>` run in its directory names it, so messages read the same.
    extracted = loadStr(text, { file: basename(path), baseDir: cwd });
  } catch (error) {
    return { diagnostics: [fromError(error, document)], document, registry };
  }
  try {
    const withThirdParty = builtinRegistry();
    for (const provider of await loadThirdPartyProviders(extracted.providers, cwd))
      withThirdParty.register(provider);
    registry = withThirdParty;
  } catch (error) {
    const block = providerBlockOf(error, document);
    return { diagnostics: [fromError(error, document, block)], document, extracted, registry };
  }
  const prepared = await prepareDesired(extracted.resources, registry, { redaction: extracted.redaction });
  const found = [...prepared.diagnostics, ...validateProviderSettings(extracted.providers, registry)];
  const diagnostics = found.map((d) => fromCoreDiagnostic(d, text, document));
  if (found.some((d) => d.severity === 'error')) return { diagnostics, document, extracted, registry };
  try {
    const plan = buildPlan(prepared.resources, emptyState(), { redaction: extracted.redaction, registry });
    for (const warning of plan.warnings)
      diagnostics.push({ ...at(firstLine(), DiagnosticSeverity.Warning), message: warning });
  } catch (error) {
    diagnostics.push(...fromPlanError(error, text, document, extracted));
  }
  return { diagnostics, document, extracted, registry };
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

/** The `provider "<name>"` block a provider-loading error is about (its message names it). */
function providerBlockOf(error: unknown, document: Document): Range | undefined {
  const message = error instanceof Error ? error.message : '';
  const block = document.blocks.find(
    (b) => b.kind === 'provider' && message.includes(`provider \`${labelsOf(b)[0] ?? ''}\``),
  );
  return block === undefined ? undefined : headerRange(block);
}

/** A planner refusal, once on each resource it names. */
function fromPlanError(error: unknown, text: string, document: Document, extracted: Extracted): Diagnostic[] {
  if (!PlanError.isInstance(error)) return [fromError(error, document)];
  const ranges = error.addresses.flatMap((address) => {
    const resource = extracted.resources.find((r) => `${r.addr.kind}.${r.addr.name}` === address);
    const block = resource?.source?.block;
    return block ? [rangeAt(block.line, block.column, text, document)] : [];
  });
  return (ranges.length === 0 ? [firstLine()] : ranges).map((range) => ({
    ...at(range, DiagnosticSeverity.Error),
    code: error.code,
    message: withHint(error.message, error.hint),
  }));
}
