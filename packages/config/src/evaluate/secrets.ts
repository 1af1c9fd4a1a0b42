import { isAbsolute, join, resolve } from 'node:path';
import { type JsonObject, type JsonValue, RedactionMap, unresolvedPlaceholder } from '@stratum/core';
import { decodeUtf8, describeFsError, LOCAL_TEXT_LIMIT, readBoundedFile } from '@stratum/core/kit';
import type { Span } from '../ast';
import type { SecretDecl, SecretSource } from '../extracted';
import { evaluateBody } from './body';
import type { EvalContext, SourceUnit, UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { describeJson, getOwn } from './json';
import { expectLabels } from './labels';
import { forbidReferences, variablesOnly } from './references';

/** Secrets shorter than this are not redacted: substring redaction of `root` or `5432` would hit everywhere. */
export const MIN_REDACTED_LENGTH = 8;

export interface SecretOptions {
  env: Record<string, string | undefined>;
  homeDir: string | undefined;
  allowUnresolved: boolean;
}

export interface EvaluatedSecrets {
  secrets: SecretDecl[];
  /** Name → plaintext (or placeholder), the scope `secret.<name>.value` reads. */
  values: Map<string, string>;
  redaction: RedactionMap;
  warnings: string[];
}

const SECRET_ATTRS = new Set(['from_env', 'from_file', 'sensitive']);

/**
 * Pass 2: secret blocks, literal-only, each source resolved eagerly. The
 * plaintexts go to `values` and (when redactable) to the redaction map,
 * never into a declaration, an error or a warning.
 */
export function evaluateSecrets(
  blocks: readonly UnitBlock[],
  vars: ReadonlyMap<string, JsonValue>,
  ctx: EvalContext,
  options: SecretOptions,
): EvaluatedSecrets {
  const refs = variablesOnly(
    vars,
    forbidReferences(
      'RefInSecretBlock',
      'references not allowed inside `secret` blocks',
      'secret blocks hold literals or `var.*`; name the env var or file directly',
      ctx,
    ),
    ctx,
  );
  const duplicates = new DuplicateTracker('DuplicateSecret', 'secret', ctx);
  const out: EvaluatedSecrets = {
    secrets: [],
    values: new Map(),
    redaction: new RedactionMap(),
    warnings: [],
  };
  const firstWithValue = new Map<string, string>();

  for (const { block, unit } of blocks) {
    const [name] = expectLabels(block, ['name'], ctx) as [string];
    duplicates.add(name, block.labels[0]?.span ?? block.span);
    const body = evaluateBody(block.body, refs, ctx);
    const spec = readSecretBody(name, body.attrs, body.spans, block.span, ctx);
    const source = locateSource(name, spec, unit, ctx, options);
    const plaintext = readSource(name, source, spec.span, ctx, options);
    const resolved = plaintext !== undefined;
    out.secrets.push({ name, source, sensitive: spec.sensitive, resolved, file: block.span.file });
    out.values.set(name, plaintext ?? unresolvedPlaceholder(name));
    if (plaintext === undefined || !spec.sensitive) continue;

    if (Array.from(plaintext).length < MIN_REDACTED_LENGTH) {
      out.warnings.push(
        `[secrets] warning: secret \`${name}\` resolved value is <8 chars; CLI/state will not redact it`,
      );
      continue;
    }
    const earlier = firstWithValue.get(plaintext);
    if (earlier !== undefined) {
      out.warnings.push(
        `[secrets] warning: secrets \`${earlier}\` and \`${name}\` resolved to the same value — redaction marker may be ambiguous`,
      );
    } else {
      firstWithValue.set(plaintext, name);
    }
    out.redaction.add(name, plaintext);
  }
  return out;
}

interface SecretSpec {
  /** `from_env`'s variable, or `from_file`'s path as written. */
  source: { kind: 'env'; name: string } | { kind: 'file'; written: string };
  sensitive: boolean;
  /** The span of the source attribute, for errors about the source. */
  span: Span;
}

function readSecretBody(
  name: string,
  attrs: JsonObject,
  spans: Map<string, Span>,
  blockSpan: Span,
  ctx: EvalContext,
): SecretSpec {
  const bad = (message: string, span: Span | undefined, hint: string) =>
    ctx.error('BadSecretBody', `secret \`${name}\`: ${message}`, span ?? blockSpan, hint);
  for (const key of spans.keys()) {
    if (!SECRET_ATTRS.has(key)) {
      throw bad(
        `unknown attribute \`${key}\``,
        spans.get(key),
        'a secret body takes `from_env` or `from_file`, and optionally `sensitive`',
      );
    }
  }
  const fromEnv = getOwn(attrs, 'from_env');
  const fromFile = getOwn(attrs, 'from_file');
  const sensitive = getOwn(attrs, 'sensitive');
  for (const [key, value] of [
    ['from_env', fromEnv],
    ['from_file', fromFile],
  ] as const) {
    if (value !== undefined && typeof value !== 'string') {
      throw bad(
        `\`${key}\` must be a string, found ${describeJson(value)}`,
        spans.get(key),
        'quote the value',
      );
    }
  }
  if (sensitive !== undefined && typeof sensitive !== 'boolean') {
    throw bad(
      `\`sensitive\` must be true or false, found ${describeJson(sensitive)}`,
      spans.get('sensitive'),
      'write `sensitive = false` to opt out of redaction, or leave it out',
    );
  }
  if (fromEnv !== undefined && fromFile !== undefined) {
    throw bad(
      'needs exactly one of `from_env` or `from_file`, found both',
      spans.get('from_file'),
      'remove one of the two sources',
    );
  }
  if (fromEnv === undefined && fromFile === undefined) {
    throw bad(
      'needs exactly one of `from_env` or `from_file`, found neither',
      blockSpan,
      'add `from_env = "VAR"` or `from_file = "path"`',
    );
  }
  return {
    source:
      typeof fromEnv === 'string'
        ? { kind: 'env', name: fromEnv }
        : { kind: 'file', written: fromFile as string },
    sensitive: sensitive !== false,
    span: spans.get(fromEnv !== undefined ? 'from_env' : 'from_file') ?? blockSpan,
  };
}

/** Where the value lives; path problems (no base dir, no home) are hard errors even with allowUnresolved. */
function locateSource(
  name: string,
  spec: SecretSpec,
  unit: SourceUnit,
  ctx: EvalContext,
  options: SecretOptions,
): SecretSource {
  if (spec.source.kind === 'env') return spec.source;
  const raw = spec.source.written;
  if (raw === '~' || raw.startsWith('~/')) {
    if (options.homeDir === undefined) {
      throw ctx.error(
        'SecretTildeNoHome',
        `secret \`${name}\`: cannot expand \`~\` in \`${raw}\`: neither HOME nor USERPROFILE is set`,
        spec.span,
        'set HOME, or write the path out in full',
      );
    }
    return { kind: 'file', path: raw === '~' ? options.homeDir : join(options.homeDir, raw.slice(2)) };
  }
  if (isAbsolute(raw)) return { kind: 'file', path: raw };
  if (unit.baseDir === undefined) {
    throw ctx.error(
      'SecretFileNoBaseDir',
      `secret \`${name}\`: relative \`from_file\` path \`${raw}\` needs a base directory`,
      spec.span,
      'load the config with loadFile, pass `baseDir` to loadStr, or use an absolute path',
    );
  }
  return { kind: 'file', path: resolve(unit.baseDir, raw) };
}

/** The plaintext, or `undefined` when the source is missing and that is allowed. */
function readSource(
  name: string,
  source: SecretSource,
  span: Span,
  ctx: EvalContext,
  options: SecretOptions,
): string | undefined {
  if (source.kind === 'env') {
    const value = options.env[source.name];
    if (value !== undefined) return value;
    if (options.allowUnresolved) return undefined;
    throw ctx.error(
      'SecretEnvMissing',
      `secret \`${name}\`: environment variable \`${source.name}\` is not set`,
      span,
      `export ${source.name} (or put it in an env file), or plan with --allow-unresolved-secrets to review without it`,
    );
  }
  let text: string | undefined;
  let reason = '';
  try {
    text = decodeUtf8(readBoundedFile(source.path, LOCAL_TEXT_LIMIT));
    if (text === undefined) reason = 'not valid UTF-8';
  } catch (err) {
    reason = describeFsError(err);
  }
  if (text !== undefined) return trimOneLineEnding(text);
  if (options.allowUnresolved) return undefined;
  throw ctx.error(
    'SecretFileMissing',
    `secret \`${name}\`: cannot read \`from_file\` \`${source.path}\`: ${reason}`,
    span,
    'create the file (or fix the path), or plan with --allow-unresolved-secrets to review without it',
  );
}

/**
 * Drops one trailing line ending, the one editors and `echo` add. `\r\n`
 * counts as one line ending (a file saved on Windows), so it goes whole;
 * otherwise a single `\n` or `\r`.
 */
export function trimOneLineEnding(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n') || text.endsWith('\r')) return text.slice(0, -1);
  return text;
}
