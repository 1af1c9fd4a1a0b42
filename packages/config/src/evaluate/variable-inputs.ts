import type { JsonValue } from '@stratum/core';
import { describeFsError, readBoundedFile } from '@stratum/core/kit';
import type { Span } from '../ast';
import { ConfigError } from '../errors';
import type { VariableOrigin, VariableType } from '../extracted';
import { parseAttributes } from '../parse';
import { evaluateBody } from './body';
import type { EvalContext } from './context';
import { getOwn } from './json';
import { forbidReferences } from './references';
import { evaluateExpression } from './values';

/** Where variable values come from besides defaults (see `LoadOptions`). */
export interface VariableInputs {
  values: Readonly<Record<string, JsonValue>> | undefined;
  args: readonly string[];
  files: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  ignoreUndeclared: boolean;
}

/** One value given for a variable: typed, or raw text still to be read by the variable's type. */
export interface VariableValue {
  value: JsonValue;
  /** Text from `--var` or the environment; `undefined` when `value` is already typed. */
  raw?: string | undefined;
  origin: Exclude<VariableOrigin, 'default'>;
  /** For messages: `--var port`, `STRATUM_VAR_port`, `vars.strat`. */
  described: string;
  /** Where the value was written, for values from a variable file. */
  span?: Span | undefined;
  /** Where the name was written, for values from a variable file. */
  nameSpan?: Span | undefined;
}

export const ENV_PREFIX = 'STRATUM_VAR_';
const VAR_FILE_LIMIT = 16 * 1024 * 1024;

/**
 * Collects the given values, lowest precedence first so later sources
 * overwrite: environment, variable files in order, `--var` in order, then
 * the program's typed values. A value for a variable no block declares is
 * `UndeclaredVariable` (the environment is exempt: it holds whatever the
 * shell had), unless `ignoreUndeclared`.
 */
export function readVariableInputs(
  inputs: VariableInputs,
  declared: ReadonlySet<string>,
  ctx: EvalContext,
): Map<string, VariableValue> {
  const given = new Map<string, VariableValue>();
  const put = (name: string, value: VariableValue) => {
    if (declared.has(name)) given.set(name, value);
    else if (!inputs.ignoreUndeclared) throw undeclared(name, value, declared, ctx);
  };
  for (const name of declared) {
    const raw = inputs.env[`${ENV_PREFIX}${name}`];
    if (raw !== undefined)
      given.set(name, { value: raw, raw, origin: 'env', described: `${ENV_PREFIX}${name}` });
  }
  for (const path of inputs.files) {
    for (const [name, value] of readVarFile(path, ctx)) put(name, value);
  }
  for (const arg of inputs.args) {
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
      throw ctx.error(
        'BadVarArg',
        `--var ${JSON.stringify(arg)} is not \`name=value\``,
        undefined,
        'write `--var region=fra1` (quote the whole argument in the shell when the value has spaces)',
      );
    }
    const raw = arg.slice(eq + 1);
    put(name, { value: raw, raw, origin: 'cli', described: `--var ${name}` });
  }
  for (const [name, value] of Object.entries(inputs.values ?? {})) {
    put(name, { value, origin: 'option', described: `the \`variables\` option` });
  }
  return given;
}

/** A variable file: `name = value` lines in `.strat` syntax, literals only. */
function readVarFile(path: string, ctx: EvalContext): Map<string, VariableValue> {
  let source: string;
  try {
    source = new TextDecoder('utf-8', { fatal: true }).decode(readBoundedFile(path, VAR_FILE_LIMIT));
  } catch (err) {
    throw ctx.error(
      'VarFileUnreadable',
      `cannot read variable file \`${path}\`: ${err instanceof TypeError ? 'not valid UTF-8' : describeFsError(err)}`,
      { file: path, start: { offset: 0, line: 0, column: 0 }, end: { offset: 0, line: 0, column: 0 } },
      'check the path given to --var-file (relative to the working directory); it must be a UTF-8 text file',
      err,
    );
  }
  ctx.addSource(path, source);
  const items = parseAttributes(source, path);
  for (const item of items) {
    if (item.type !== 'block') continue;
    throw ctx.error(
      'BadVarFile',
      `variable file \`${path}\`: block \`${item.kind}\` is not allowed`,
      item.kindSpan,
      'a variable file holds only `name = value` lines; write a map value as `name = { key = value }`',
    );
  }
  const refs = forbidReferences(
    'BadVarFile',
    'references not allowed in a variable file',
    'a variable file holds literal values only',
    ctx,
  );
  // Refuses a name set twice, as in any body.
  const { attrs } = evaluateBody(items, refs, ctx);
  const out = new Map<string, VariableValue>();
  for (const item of items) {
    if (item.type !== 'attribute') continue;
    out.set(item.name, {
      value: getOwn(attrs, item.name) as JsonValue,
      origin: 'var-file',
      described: path,
      span: item.value.span,
      nameSpan: item.nameSpan,
    });
  }
  return out;
}

/**
 * Reads raw text (`--var`, the environment) by the variable's type: as is
 * for a string or an untyped variable, a number, `true`/`false`, or a
 * `.strat` list or map (`--var 'ports=[80, 443]'`).
 */
export function parseRawValue(
  name: string,
  type: VariableType | undefined,
  input: VariableValue,
  span: Span,
  ctx: EvalContext,
): JsonValue {
  const raw = input.raw ?? '';
  const bad = (expected: string, detail = '') =>
    ctx.error(
      'VariableTypeMismatch',
      `variable \`${name}\` is of type "${type}", but the value from ${input.described} (${JSON.stringify(raw)}) is not ${expected}${detail}`,
      span,
      type === 'list' || type === 'map'
        ? `write the value in .strat syntax, e.g. \`--var '${name}=${type === 'list' ? '["a", "b"]' : '{ a = 1 }'}'\``
        : `give \`${name}\` ${expected}`,
    );
  switch (type) {
    case undefined:
    case 'string':
      return raw;
    case 'number':
      if (!/^-?\d+(\.\d+)?$/.test(raw)) throw bad('a number');
      return Number(raw);
    case 'bool':
      if (raw !== 'true' && raw !== 'false') throw bad('`true` or `false`');
      return raw === 'true';
    case 'list':
    case 'map': {
      const label = `${input.described} value`;
      let items: ReturnType<typeof parseAttributes>;
      try {
        items = parseAttributes(`v = ${raw}`, label);
      } catch (err) {
        throw bad(`a .strat ${type}`, ConfigError.isInstance(err) ? `: ${err.message}` : '');
      }
      const item = items[0];
      if (items.length !== 1 || item?.type !== 'attribute') throw bad(`a .strat ${type}`);
      const refs = forbidReferences(
        'VariableTypeMismatch',
        `the value of variable \`${name}\` cannot hold references`,
        'write literal values only',
        ctx,
      );
      return evaluateExpression(item.value, refs, ctx);
    }
  }
}

function undeclared(name: string, value: VariableValue, declared: ReadonlySet<string>, ctx: EvalContext) {
  const known = [...declared];
  return ctx.error(
    'UndeclaredVariable',
    `${value.described}: no \`variable\` block declares \`${name}\``,
    value.nameSpan,
    known.length > 0
      ? `declare \`variable "${name}" {}\`, or use one of: ${known.map((k) => `\`${k}\``).join(', ')}`
      : `declare \`variable "${name}" {}\` in one of the loaded files`,
  );
}
