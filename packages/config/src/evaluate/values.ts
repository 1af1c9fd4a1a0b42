import type { JsonObject, JsonValue } from '@stratum/core';
import type { Expression, MapEntry, Reference, TemplateLiteral } from '../ast';
import type { EvalContext } from './context';
import { setOwn } from './json';

/**
 * Turns a reference into its value. Literal-only passes (hosts, secrets,
 * namespaces) pass one that always throws; providers and resources pass one
 * backed by the host and secret scope.
 */
export type ResolveRef = (ref: Reference) => JsonValue;

/** The dotted source form of a reference: `host.prod.addr`. */
export function refText(ref: Reference): string {
  return ref.segments.join('.');
}

/**
 * Evaluates an expression to JSON. Numbers stay JS numbers (whole ones
 * serialise as JSON integers, so `4000` and `4000.0` are the same value);
 * non-finite numbers become `null`, as JSON has no form for them.
 */
export function evaluateExpression(expr: Expression, resolve: ResolveRef, ctx: EvalContext): JsonValue {
  switch (expr.type) {
    case 'string':
    case 'bool':
      return expr.value;
    case 'number':
      return Number.isFinite(expr.value) ? expr.value : null;
    case 'template':
      return evaluateTemplate(expr, resolve, ctx);
    case 'ref':
      return resolve(expr);
    case 'list':
      return expr.items.map((item) => evaluateExpression(item, resolve, ctx));
    case 'map': {
      const out: JsonObject = {};
      for (const entry of expr.entries) {
        if (Object.hasOwn(out, entry.key)) {
          const first = expr.entries.find((e) => e.key === entry.key) as MapEntry;
          throw ctx.error(
            'DuplicateAttribute',
            `duplicate key \`${entry.key}\` in map: already set on line ${first.keySpan.start.line}`,
            entry.keySpan,
            'keep one entry per key; a map cannot hold a key twice',
          );
        }
        setOwn(out, entry.key, evaluateExpression(entry.value, resolve, ctx));
      }
      return out;
    }
  }
}

function evaluateTemplate(expr: TemplateLiteral, resolve: ResolveRef, ctx: EvalContext): string {
  let out = '';
  for (const part of expr.parts) {
    out += part.type === 'text' ? part.value : scalarToString(resolve(part), part, ctx);
  }
  return out;
}

/**
 * The string form of a value spliced into a template: strings as they are,
 * numbers in their JSON form (`4000`, `1.5`), bools as `true` / `false`.
 */
export function scalarToString(value: JsonValue, ref: Reference, ctx: EvalContext): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    default:
      throw ctx.error(
        'NonScalarInterpolation',
        `cannot interpolate non-scalar value \`\${${refText(ref)}}\` into a string\n` +
          `(refs inside \`\${...}\` must resolve to a string, number, or bool)`,
        ref.span,
        'reference a scalar field instead, or use the bare reference (without quotes) to take the whole value',
      );
  }
}
