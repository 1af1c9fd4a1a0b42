import type { JsonValue } from '@stratum/core';
import type { Span } from '../ast';
import type { VariableDecl, VariableOrigin, VariableType } from '../extracted';
import { type EvaluatedBody, evaluateBody } from './body';
import { type EvalContext, toLocation, type UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { describeJson, getOwn } from './json';
import { expectLabels } from './labels';
import { forbidReferences } from './references';
import {
  parseRawValue,
  readVariableInputs,
  type VariableInputs,
  type VariableValue,
} from './variable-inputs';

const VARIABLE_ATTRS = new Set(['type', 'default', 'description']);
const TYPES: readonly VariableType[] = ['string', 'number', 'bool', 'list', 'map'];
/** `var.<name>` must lex as one name. */
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The variables of a config: their declarations and what `var.<name>` reads. */
export interface EvaluatedVariables {
  decls: VariableDecl[];
  values: Map<string, JsonValue>;
}

interface Declared {
  name: string;
  type: VariableType | undefined;
  description: string | undefined;
  default: JsonValue | undefined;
  span: Span;
}

/**
 * Pass 0: `variable` blocks, literal-only, and the values given from outside.
 * Precedence, highest first: the `variables` load option, `--var`, variable
 * files (later files winning), `STRATUM_VAR_<name>`, the default. Every
 * required variable left without a value is reported in one `UnsetVariable`.
 */
export function evaluateVariables(
  blocks: readonly UnitBlock[],
  inputs: VariableInputs,
  ctx: EvalContext,
): EvaluatedVariables {
  const declared = declareVariables(blocks, ctx);
  const given = readVariableInputs(inputs, new Set(declared.keys()), ctx);
  const decls: VariableDecl[] = [];
  const unset: Declared[] = [];
  for (const variable of declared.values()) {
    const input = given.get(variable.name);
    if (input === undefined && variable.default === undefined) {
      unset.push(variable);
      continue;
    }
    const { value, origin } =
      input === undefined
        ? { value: variable.default as JsonValue, origin: 'default' as VariableOrigin }
        : { value: typedValue(variable, input, ctx), origin: input.origin };
    decls.push({
      name: variable.name,
      type: variable.type,
      description: variable.description,
      default: variable.default,
      value,
      origin,
      file: variable.span.file,
      location: toLocation(variable.span),
    });
  }
  if (unset.length > 0) throw unsetError(unset, ctx);
  return { decls, values: new Map(decls.map((d) => [d.name, d.value])) };
}

function declareVariables(blocks: readonly UnitBlock[], ctx: EvalContext): Map<string, Declared> {
  const refs = forbidReferences(
    'BadVariableBody',
    'references not allowed inside `variable` blocks',
    'a variable block is literal-only: its default cannot depend on anything',
    ctx,
  );
  const duplicates = new DuplicateTracker('DuplicateVariable', 'variable', ctx);
  const declared = new Map<string, Declared>();
  for (const { block } of blocks) {
    const [name] = expectLabels(block, ['name'], ctx) as [string];
    const span = block.labels[0]?.span ?? block.span;
    if (!VARIABLE_NAME.test(name)) {
      throw ctx.error(
        'BadVariableBody',
        `variable name \`${name}\` cannot be referenced as \`var.${name}\``,
        span,
        'a variable name is a letter or `_`, then letters, digits, `_` or `-`',
      );
    }
    duplicates.add(name, span);
    const body = evaluateBody(block.body, refs, ctx);
    const variable: Declared = {
      name,
      type: readType(name, body, ctx),
      description: readDescription(name, body, ctx),
      default: getOwn(body.attrs, 'default'),
      span,
    };
    for (const key of Object.keys(body.attrs)) {
      if (VARIABLE_ATTRS.has(key)) continue;
      throw ctx.error(
        'BadVariableBody',
        `variable \`${name}\`: unknown attribute \`${key}\``,
        body.spans.get(key),
        'a variable block takes `type`, `default` and `description`',
      );
    }
    if (variable.default !== undefined) {
      checkType(variable, variable.default, 'its default', body.spans.get('default')!, ctx);
    }
    declared.set(name, variable);
  }
  return declared;
}

function readType(name: string, body: EvaluatedBody, ctx: EvalContext): VariableType | undefined {
  const type = getOwn(body.attrs, 'type');
  if (type === undefined) return undefined;
  if (typeof type === 'string' && (TYPES as readonly string[]).includes(type)) return type as VariableType;
  throw ctx.error(
    'BadVariableBody',
    `variable \`${name}\`: \`type\` must be one of ${TYPES.map((t) => `"${t}"`).join(', ')}, found ${typeof type === 'string' ? JSON.stringify(type) : describeJson(type)}`,
    body.spans.get('type'),
    'write the type as a string, e.g. `type = "number"`; leave it out to accept any value',
  );
}

function readDescription(name: string, body: EvaluatedBody, ctx: EvalContext): string | undefined {
  const description = getOwn(body.attrs, 'description');
  if (description === undefined || typeof description === 'string') return description;
  throw ctx.error(
    'BadVariableBody',
    `variable \`${name}\`: \`description\` must be a string, found ${describeJson(description)}`,
    body.spans.get('description'),
    'write `description = "what the value is for"`',
  );
}

/** The value given from outside, converted (raw text) and checked against the variable's type. */
function typedValue(variable: Declared, input: VariableValue, ctx: EvalContext): JsonValue {
  const where = input.span ?? variable.span;
  const value =
    input.raw === undefined ? input.value : parseRawValue(variable.name, variable.type, input, where, ctx);
  checkType(variable, value, `the value from ${input.described}`, where, ctx);
  return value;
}

function checkType(variable: Declared, value: JsonValue, what: string, span: Span, ctx: EvalContext): void {
  if (variable.type === undefined || matchesType(value, variable.type)) return;
  throw ctx.error(
    'VariableTypeMismatch',
    `variable \`${variable.name}\` is of type "${variable.type}", but ${what} is ${describeJson(value)}`,
    span,
    `give \`${variable.name}\` a ${variable.type} value, or change its \`type\``,
  );
}

export function matchesType(value: JsonValue, type: VariableType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'bool':
      return typeof value === 'boolean';
    case 'list':
      return Array.isArray(value);
    case 'map':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
  }
}

function unsetError(unset: readonly Declared[], ctx: EvalContext) {
  const at = (span: Span) => `${span.file ?? '<input>'}:${span.start.line}:${span.start.column}`;
  const first = unset[0]!;
  const list = unset.map((v) => `  \`${v.name}\` (declared at ${at(v.span)})`).join('\n');
  return ctx.error(
    'UnsetVariable',
    unset.length === 1
      ? `variable \`${first.name}\` is required but has no value (declared at ${at(first.span)})`
      : `${unset.length} required variables have no value:\n${list}`,
    first.span,
    `set each with \`--var ${first.name}=...\`, a line \`${first.name} = ...\` in a --var-file, the environment variable \`STRATUM_VAR_${first.name}\`, or give the block a \`default\``,
  );
}
