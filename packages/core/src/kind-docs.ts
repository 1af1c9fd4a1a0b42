import { type ZodType, z } from 'zod';
import type { KindHandler } from './provider';
import { describeSchema, schemaLayers, unwrapSchema } from './schema-describe';
import type { JsonValue } from './types';

/**
 * A kind's documentation, read from its schema: the one source the docs site's
 * reference pages and the language server's hover both use. Kinds document
 * themselves with zod descriptions (`.describe('...')` or `.meta({ description })`)
 * on the object schema (the summary) and on each attribute.
 */
export interface KindDoc {
  readonly kind: string;
  /** The object schema's description; empty when the kind has none. */
  readonly summary: string;
  readonly attributes: readonly AttributeDoc[];
  /** What the kind computes at apply and another resource may read (`KindHandler.outputs`), in its order. */
  readonly outputs: readonly OutputDoc[];
}

/** One value a kind computes at apply; a reference to it is known after apply. */
export interface OutputDoc {
  readonly name: string;
  readonly description: string;
}

export interface AttributeDoc {
  readonly name: string;
  /** What the attribute accepts, in plain words: `string`, `list of strings`, ``one of `a`, `b` ``. */
  readonly type: string;
  /** True when the config must set it (no default, not optional). */
  readonly required: boolean;
  /** The value the schema fills in when the config leaves it out. */
  readonly default?: JsonValue;
  readonly description?: string;
  /** True when the kind treats its value as secret (plans, state and logs show a marker). */
  readonly secret: boolean;
}

interface LayerDef {
  type: string;
  defaultValue?: unknown;
  shape?: Record<string, ZodType>;
}

function defOf(schema: ZodType): LayerDef {
  return (schema as unknown as { _zod: { def: LayerDef } })._zod.def;
}

/** The first description on the schema or a layer it wraps (optional, default, ...). */
function descriptionOf(schema: ZodType): string | undefined {
  for (const layer of schemaLayers(schema)) {
    const description = z.globalRegistry.get(layer)?.description;
    if (typeof description === 'string' && description !== '') return description;
  }
  return undefined;
}

/** The default of the outermost `.default(...)` layer, if any. */
function defaultOf(schema: ZodType): { value: JsonValue } | undefined {
  for (const layer of schemaLayers(schema)) {
    const def = defOf(layer);
    if (def.type === 'default' || def.type === 'prefault') return { value: def.defaultValue as JsonValue };
  }
  return undefined;
}

/** `a list of strings` → `list of strings`, `a string or a number` → `string or number`: a table cell reads better without articles. */
function plainType(schema: ZodType): string {
  return describeSchema(schema).replace(/(^| or )(a|an) /g, '$1');
}

function attributeDoc(name: string, schema: ZodType, secret: boolean): AttributeDoc {
  const fallback = defaultOf(schema);
  const description = descriptionOf(schema);
  return {
    name,
    type: plainType(schema),
    // Optional and defaulted attributes both accept a missing value.
    required: !schema.safeParse(undefined).success,
    ...(fallback === undefined ? {} : { default: fallback.value }),
    ...(description === undefined ? {} : { description }),
    secret,
  };
}

/**
 * The documentation of `kind` from its handler's schema. Attributes keep the
 * schema's order; a schema that is not an object (after optional/default/pipe
 * wrappers) has no attribute list.
 */
export function kindDocs(kind: string, handler: KindHandler<unknown>): KindDoc {
  const schema = handler.schema as ZodType;
  const secretAttrs = new Set(handler.secrets?.attrs ?? []);
  const shape = defOf(unwrapSchema(schema)).shape ?? {};
  return {
    kind,
    summary: descriptionOf(schema) ?? '',
    attributes: Object.entries(shape).map(([name, attr]) => attributeDoc(name, attr, secretAttrs.has(name))),
    outputs: Object.entries(handler.outputs ?? {}).map(([name, description]) => ({ name, description })),
  };
}
