import type { JsonObject } from '@stratum/core';
import type { Attribute, Span } from '../ast';
import type { GroupDecl } from '../extracted';
import type { EvalContext } from './context';
import { describeJson, getOwn, isJsonObject } from './json';
import { type EachValue, resolveReference, type Scope } from './references';
import { evaluateExpression } from './values';

const FOR_EACH_SHAPE =
  '`for_each` takes a group (`group.web`), a list of strings (`["a", "b"]`) or a map (`{ a = 1 }`), written out or from a variable';

/**
 * The instances a resource's `for_each` makes, in order: a group's hosts as
 * written in the group (key: the host's name), a list's strings (key and value:
 * the string), or a map's entries (key: the map key). Keys end up in
 * addresses and state in the clear, so a secret may not feed them.
 */
export function forEachInstances(
  attr: Attribute,
  scope: Scope,
  groups: ReadonlyMap<string, GroupDecl>,
  ctx: EvalContext,
): EachValue[] {
  const expr = attr.value;
  if (expr.type === 'ref' && expr.segments[0] === 'group')
    return groupInstances(expr.segments, expr.span, scope, groups, ctx);
  const value = evaluateExpression(
    expr,
    (ref) => {
      if (ref.segments[0] !== 'secret') return resolveReference(ref, scope, ctx);
      throw ctx.error(
        'BadForEach',
        'a secret cannot feed `for_each`',
        ref.span,
        'instance keys are part of resource addresses and are stored in the clear; iterate over names and read the secret in the body',
      );
    },
    ctx,
  );
  const itemSpan = (i: number) => (expr.type === 'list' ? (expr.items[i]?.span ?? expr.span) : expr.span);
  if (Array.isArray(value)) {
    const seen = new Set<string>();
    return value.map((item, i) => {
      if (typeof item !== 'string') {
        throw ctx.error(
          'BadForEach',
          `a \`for_each\` list holds strings (the instance keys), found ${describeJson(item)}`,
          itemSpan(i),
          'quote the item (`"1"`), or use a map to give each instance a value of any type',
        );
      }
      if (seen.has(item)) {
        throw ctx.error(
          'BadForEach',
          `\`for_each\` list holds ${JSON.stringify(item)} twice`,
          itemSpan(i),
          'each key names one instance: list it once',
        );
      }
      seen.add(item);
      return { key: item, value: item };
    });
  }
  if (isJsonObject(value)) {
    return Object.keys(value).map((key) => ({ key, value: getOwn(value, key)! }));
  }
  throw ctx.error('BadForEach', `\`for_each\` got ${describeJson(value)}`, expr.span, FOR_EACH_SHAPE);
}

function groupInstances(
  segments: readonly string[],
  span: Span,
  scope: Scope,
  groups: ReadonlyMap<string, GroupDecl>,
  ctx: EvalContext,
): EachValue[] {
  const [, name, ...rest] = segments as [string, string, ...string[]];
  if (rest.length > 0) {
    throw ctx.error(
      'BadForEach',
      `\`for_each\` takes a whole group: \`group.${name}\`, not \`${segments.join('.')}\``,
      span,
      `write \`for_each = group.${name}\``,
    );
  }
  const group = groups.get(name);
  if (group === undefined) {
    const known = [...groups.keys()];
    throw ctx.error(
      'UnknownGroup',
      `unknown group \`${name}\` in \`for_each\``,
      span,
      known.length > 0
        ? `declare \`group "${name}" { hosts = [...] }\`, or use one of: ${known.map((k) => `\`${k}\``).join(', ')}`
        : `declare \`group "${name}" { hosts = [host.a, host.b] }\` in one of the loaded files`,
    );
  }
  return group.hosts.map((host) => {
    const attrs = scope.hosts.get(host) as JsonObject;
    return { key: host, value: getOwn(attrs, 'addr') ?? null, host: { name: host, attrs } };
  });
}
