import type { ZodType } from 'zod';

/**
 * Plain-words descriptions of zod schemas for attribute diagnostics
 * (`must be a list of strings`). Reads zod v4's schema definitions (`_zod.def`);
 * unknown schema types fall back to generic words rather than failing.
 */

interface Def {
  type: string;
  innerType?: ZodType;
  in?: ZodType;
  left?: ZodType;
  getter?: () => ZodType;
  element?: ZodType;
  shape?: Record<string, ZodType>;
  valueType?: ZodType;
  items?: ZodType[];
  options?: ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  format?: string;
  checks?: { _zod: { def: { format?: string } } }[];
}

function defOf(schema: ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'readonly', 'catch', 'nonoptional', 'success']);

/**
 * The schema and each schema it wraps without changing the value's type
 * (optional, default, lazy, pipe, ...), outermost first; the last is the bare
 * schema. Metadata (a description, a default) may sit on any of these layers.
 */
export function schemaLayers(schema: ZodType): ZodType[] {
  const layers = [schema];
  let current = schema;
  for (let guard = 0; guard < 64; guard++) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'lazy' && def.getter) current = def.getter();
    else if (def.type === 'pipe' && def.in) current = def.in;
    else if (def.type === 'intersection' && def.left) current = def.left;
    else break;
    layers.push(current);
  }
  return layers;
}

/** The schema with wrappers that do not change the value's type (optional, default, lazy, pipe, ...) removed. */
export function unwrapSchema(schema: ZodType): ZodType {
  const layers = schemaLayers(schema);
  return layers[layers.length - 1] as ZodType;
}

/** The schema of the value at `path` below `schema`, or undefined where the path cannot be followed (e.g. into a union). */
export function schemaAt(schema: ZodType, path: readonly PropertyKey[]): ZodType | undefined {
  let current: ZodType | undefined = schema;
  for (const key of path) {
    if (current === undefined) return undefined;
    let def = defOf(unwrapSchema(current));
    if (def.type === 'nullable' && def.innerType) def = defOf(unwrapSchema(def.innerType));
    if (def.type === 'object' && def.shape)
      current = Object.hasOwn(def.shape, key) ? def.shape[key as string] : undefined;
    else if (def.type === 'record') current = def.valueType;
    else if (def.type === 'array') current = def.element;
    else if (def.type === 'tuple' && typeof key === 'number') current = def.items?.[key];
    else return undefined;
  }
  return current;
}

/** The attribute names an object schema at `path` declares (empty when it is not an object schema). */
export function knownKeysAt(schema: ZodType, path: readonly PropertyKey[]): string[] {
  const at = schemaAt(schema, path);
  if (at === undefined) return [];
  const def = defOf(unwrapSchema(at));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function isInteger(def: Def): boolean {
  return Boolean(def.format?.includes('int') || def.checks?.some((c) => c._zod.def.format?.includes('int')));
}

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => `\`${String(v)}\``).join(', ');
}

interface Noun {
  /** With its article: "a string", "one of `a`, `b`". */
  one: string;
  /** Plural, for "a list of ...": "strings". */
  many: string;
}

function noun(schema: ZodType, depth: number): Noun {
  const def = defOf(unwrapSchema(schema));
  if (depth > 4) return { one: 'a value', many: 'values' };
  switch (def.type) {
    case 'string':
      return { one: 'a string', many: 'strings' };
    case 'number':
      return isInteger(def) ? { one: 'an integer', many: 'integers' } : { one: 'a number', many: 'numbers' };
    case 'boolean':
      return { one: 'a boolean', many: 'booleans' };
    case 'null':
      return { one: 'null', many: 'nulls' };
    case 'array': {
      const element = def.element ? noun(def.element, depth + 1).many : 'values';
      return { one: `a list of ${element}`, many: `lists of ${element}` };
    }
    case 'tuple':
      return { one: 'a list', many: 'lists' };
    case 'object':
      return { one: 'a map', many: 'maps' };
    case 'record': {
      const value = def.valueType ? noun(def.valueType, depth + 1).many : 'values';
      return { one: `a map of ${value}`, many: `maps of ${value}` };
    }
    case 'enum': {
      const values = Object.values(def.entries ?? {});
      return { one: `one of ${quoteList(values)}`, many: `values among ${quoteList(values)}` };
    }
    case 'literal': {
      const values = def.values ?? [];
      return values.length === 1
        ? { one: `\`${String(values[0])}\``, many: `\`${String(values[0])}\` values` }
        : { one: `one of ${quoteList(values)}`, many: `values among ${quoteList(values)}` };
    }
    case 'nullable': {
      const inner = def.innerType ? noun(def.innerType, depth + 1) : { one: 'a value', many: 'values' };
      return { one: `${inner.one} or null`, many: `${inner.many} or nulls` };
    }
    case 'union': {
      const parts = (def.options ?? []).map((option) => noun(option, depth + 1));
      const unique = (key: keyof Noun) => [...new Set(parts.map((p) => p[key]))].join(' or ');
      return parts.length === 0
        ? { one: 'a value', many: 'values' }
        : { one: unique('one'), many: unique('many') };
    }
    default:
      return { one: 'a valid value', many: 'valid values' };
  }
}

/** What the schema accepts, in words with an article: `a list of strings`, `an integer`, ``one of `no`, `always` ``. */
export function describeSchema(schema: ZodType): string {
  return noun(schema, 0).one;
}

/** The JSON type of a config value in words, for "got ...". Never the value itself: it may be a secret. */
export function describeValueType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return 'map';
    default:
      return typeof value;
  }
}
