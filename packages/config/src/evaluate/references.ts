import type { JsonObject, JsonValue } from '@stratum/core';
import type { Reference } from '../ast';
import type { ConfigErrorCode } from '../errors';
import type { EvalContext } from './context';
import { cloneJson, getOwn, isJsonObject } from './json';
import { type ResolveRef, refText } from './values';

/** What providers and resources can reference: hosts' attrs, secrets' values, variables. */
export interface Scope {
  hosts: ReadonlyMap<string, JsonObject>;
  /** Secret name → plaintext (or the unresolved placeholder). */
  secrets: ReadonlyMap<string, string>;
  /** Variable name → value. */
  vars: ReadonlyMap<string, JsonValue>;
  /** The instance being evaluated, inside a `for_each` resource body only. */
  each?: EachValue | undefined;
  /** `<kind>.<name>.<attr>` references, inside resource bodies only. */
  resources?: ResolveRef | undefined;
}

/**
 * `each.key` / `each.value` of one `for_each` instance. Over a group, `host`
 * is the instance's host: a bare `each.value` is its `addr` (what a resource's
 * `host` takes) and `each.value.<field>` reads its attributes.
 */
export interface EachValue {
  key: string;
  value: JsonValue;
  host?: { name: string; attrs: JsonObject } | undefined;
}

const ROOTS_HINT =
  'references start with `host.` (host.<name>.<field>), `secret.` (secret.<name>.value), `var.` (var.<name>), in a resource `<kind>.<name>.<attribute>` or, in a for_each resource, `each.` (each.key, each.value)';

/**
 * Is `root` a resource kind (`system_file`) rather than a reference root of the
 * language (`host`, `secret`, `var`, `each`, `group`)? Kinds are
 * `<provider>_<type>`, so they always hold an `_` after their first letter.
 */
function isKindRoot(root: string | undefined): root is string {
  return root !== undefined && root.indexOf('_') > 0;
}

/** A resolver backed by `scope`, for provider and resource bodies. */
export function scopeResolver(scope: Scope, ctx: EvalContext): ResolveRef {
  return (ref) => resolveReference(ref, scope, ctx);
}

/** A resolver for literal-only bodies: any reference is the error `code`. */
export function forbidReferences(
  code: ConfigErrorCode,
  message: string,
  hint: string,
  ctx: EvalContext,
): ResolveRef {
  return (ref) => {
    throw ctx.error(code, message, ref.span, `${hint} (found \`${refText(ref)}\`)`);
  };
}

/**
 * A resolver for bodies that are otherwise literal-only (hosts, secrets):
 * `var.*` is allowed, since variables are fixed before any block is
 * evaluated; any other reference is the error `code`.
 */
export function variablesOnly(
  vars: ReadonlyMap<string, JsonValue>,
  forbidden: ResolveRef,
  ctx: EvalContext,
): ResolveRef {
  return (ref) => (ref.segments[0] === 'var' ? resolveVariable(ref, vars, ctx) : forbidden(ref));
}

/**
 * Resolves `host.<name>.<field>...` (walking nested maps),
 * `secret.<name>.value`, `var.<name>...` and, in a `for_each` body,
 * `each.key` / `each.value...`. Every failure carries the reference's span.
 */
export function resolveReference(ref: Reference, scope: Scope, ctx: EvalContext): JsonValue {
  const text = refText(ref);
  const [root, name, ...fields] = ref.segments;
  if (root === 'var') return resolveVariable(ref, scope.vars, ctx);
  if (root === 'each') return resolveEach(ref, scope.each, ctx);
  if (root === 'group') {
    throw ctx.error(
      'GroupOutsideForEach',
      `group reference \`${text}\` is only allowed as a resource's \`for_each\``,
      ref.span,
      `write \`for_each = group.${name ?? '<name>'}\` and use \`each.value\` (the host's addr) or \`each.value.<field>\` in the body`,
    );
  }
  if (isKindRoot(root) && scope.resources !== undefined) return scope.resources(ref);
  if (root !== 'host' && root !== 'secret') {
    if (isKindRoot(root)) {
      throw ctx.error(
        'UnknownRefRoot',
        `resource reference \`${text}\` is only allowed in a resource body`,
        ref.span,
        'provider settings and for_each are evaluated before any resource; write the value out or use a variable',
      );
    }
    throw ctx.error('UnknownRefRoot', `unknown reference root \`${root ?? ''}\``, ref.span, ROOTS_HINT);
  }
  if (name === undefined || fields.length === 0) {
    throw ctx.error(
      'RefTooShort',
      `reference \`${text}\` too short — expected at least 3 segments`,
      ref.span,
      root === 'host'
        ? 'name a field of the host, e.g. `host.<name>.addr`'
        : 'secrets are read as `secret.<name>.value`',
    );
  }
  return root === 'host'
    ? resolveHost(ref, name, fields, scope, ctx)
    : resolveSecret(ref, name, fields, scope, ctx);
}

function resolveHost(
  ref: Reference,
  name: string,
  fields: string[],
  scope: Scope,
  ctx: EvalContext,
): JsonValue {
  const attrs = scope.hosts.get(name);
  if (attrs === undefined) {
    throw ctx.error(
      'UnknownHost',
      `unknown host \`${name}\` in reference \`${refText(ref)}\``,
      ref.span,
      `declare \`host "${name}" { ... }\` in one of the loaded files, or fix the name`,
    );
  }
  return walkFields(attrs, fields, () => {
    const known = Object.keys(attrs);
    return ctx.error(
      'UnknownHostField',
      `host \`${name}\` has no field \`${fields.join('.')}\` in reference \`${refText(ref)}\``,
      ref.span,
      known.length > 0
        ? `fields of host \`${name}\`: ${known.map((k) => `\`${k}\``).join(', ')}`
        : `host \`${name}\` has no fields; add the attribute to its block`,
    );
  });
}

function resolveSecret(
  ref: Reference,
  name: string,
  fields: string[],
  scope: Scope,
  ctx: EvalContext,
): JsonValue {
  const value = scope.secrets.get(name);
  if (value === undefined) {
    throw ctx.error(
      'UnknownSecret',
      `unknown secret \`${name}\` in reference \`${refText(ref)}\``,
      ref.span,
      `declare \`secret "${name}" { from_env = "..." }\` in one of the loaded files, or fix the name`,
    );
  }
  if (fields.length !== 1 || fields[0] !== 'value') {
    throw ctx.error(
      'UnknownSecretField',
      `reference to secret \`${name}\` has unsupported field \`${fields.join('.')}\``,
      ref.span,
      `a secret has one field: write \`secret.${name}.value\``,
    );
  }
  return value;
}

/** `var.<name>`, walking into map fields after the name (`var.db.port`). */
function resolveVariable(ref: Reference, vars: ReadonlyMap<string, JsonValue>, ctx: EvalContext): JsonValue {
  const [, name, ...fields] = ref.segments as [string, string, ...string[]];
  const value = vars.get(name);
  if (value === undefined) {
    const known = [...vars.keys()];
    throw ctx.error(
      'UnknownVariable',
      `unknown variable \`${name}\` in reference \`${refText(ref)}\``,
      ref.span,
      known.length > 0
        ? `declare \`variable "${name}" { ... }\`, or use one of: ${known.map((k) => `\`${k}\``).join(', ')}`
        : `declare \`variable "${name}" { ... }\` in one of the loaded files`,
    );
  }
  return walkFields(value, fields, () =>
    ctx.error(
      'UnknownVariableField',
      `variable \`${name}\` has no field \`${fields.join('.')}\` in reference \`${refText(ref)}\``,
      ref.span,
      "only map values have fields; check the variable's value or drop the field",
    ),
  );
}

/** `each.key` or `each.value[.<field>...]` of the instance in scope. */
function resolveEach(ref: Reference, each: EachValue | undefined, ctx: EvalContext): JsonValue {
  const [, field, ...fields] = ref.segments as [string, string, ...string[]];
  if (each === undefined) {
    throw ctx.error(
      'EachOutsideForEach',
      `\`${refText(ref)}\` is only defined in a resource with \`for_each\``,
      ref.span,
      'add `for_each = group.<name>` (or a list or map) to the resource, or write the value out',
    );
  }
  const unknown = () =>
    ctx.error(
      'UnknownEachField',
      `\`${refText(ref)}\` does not exist`,
      ref.span,
      each.host === undefined
        ? '`each.key` is the instance key and `each.value` its value (`each.value.<field>` for a map value)'
        : `\`each.key\` is the host's name, \`each.value\` its addr and \`each.value.<field>\` a field of host \`${each.host.name}\``,
    );
  if (field === 'key') {
    if (fields.length > 0) throw unknown();
    return each.key;
  }
  if (field !== 'value') throw unknown();
  if (each.host === undefined) return walkFields(each.value, fields, unknown);
  if (fields.length === 0 && typeof each.value !== 'string') {
    throw ctx.error(
      'UnknownEachField',
      `host \`${each.host.name}\` has no string \`addr\`, so \`${refText(ref)}\` has no value`,
      ref.span,
      `give host \`${each.host.name}\` an \`addr\`, or read one of its fields with \`each.value.<field>\``,
    );
  }
  const host = each.host;
  return fields.length === 0
    ? each.value
    : walkFields(host.attrs, fields, () =>
        ctx.error(
          'UnknownEachField',
          `host \`${host.name}\` has no field \`${fields.join('.')}\` in reference \`${refText(ref)}\``,
          ref.span,
          `fields of host \`${host.name}\`: ${Object.keys(host.attrs)
            .map((k) => `\`${k}\``)
            .join(', ')}`,
        ),
      );
}

/** Walks map fields; `missing` builds the error for a field that is not there. */
export function walkFields(value: JsonValue, fields: readonly string[], missing: () => Error): JsonValue {
  let current: JsonValue | undefined = value;
  for (const field of fields) {
    current = isJsonObject(current) ? getOwn(current, field) : undefined;
    if (current === undefined) throw missing();
  }
  return cloneJson(current as JsonValue);
}
