import type { JsonObject, JsonValue } from '@stratum/core';
import type { Reference } from '../ast';
import type { ConfigErrorCode } from '../errors';
import type { EvalContext } from './context';
import { cloneJson, getOwn, isJsonObject } from './json';
import { type ResolveRef, refText } from './values';

/** What providers and resources can reference: hosts' attrs and secrets' values. */
export interface Scope {
  hosts: ReadonlyMap<string, JsonObject>;
  /** Secret name → plaintext (or the unresolved placeholder). */
  secrets: ReadonlyMap<string, string>;
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
 * Resolves `host.<name>.<field>...` (walking nested maps) or
 * `secret.<name>.value`. Every failure carries the reference's span.
 */
export function resolveReference(ref: Reference, scope: Scope, ctx: EvalContext): JsonValue {
  const text = refText(ref);
  const [root, name, ...fields] = ref.segments;
  if (root !== 'host' && root !== 'secret') {
    throw ctx.error(
      'UnknownRefRoot',
      `unknown reference root \`${root ?? ''}\``,
      ref.span,
      'references start with `host.` (host.<name>.<field>) or `secret.` (secret.<name>.value)',
    );
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
  let current: JsonValue | undefined = attrs;
  for (const field of fields) {
    current = isJsonObject(current) ? getOwn(current, field) : undefined;
    if (current === undefined) {
      const known = Object.keys(attrs);
      throw ctx.error(
        'UnknownHostField',
        `host \`${name}\` has no field \`${fields.join('.')}\` in reference \`${refText(ref)}\``,
        ref.span,
        known.length > 0
          ? `fields of host \`${name}\`: ${known.map((k) => `\`${k}\``).join(', ')}`
          : `host \`${name}\` has no fields; add the attribute to its block`,
      );
    }
  }
  return cloneJson(current);
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
