import { describeSchema, type JsonValue, type KindHandler, type Registry, unwrapSchema } from '@stratum/core';

/** A kind's zod schema (typed through core, which owns the zod dependency). */
type ZodType = KindHandler<unknown>['schema'];

/** One top-level attribute of a kind, as completion and hover show it. */
export interface KindAttribute {
  name: string;
  /** In words, as validate's messages say it: `a string`, ``one of `present`, `absent` ``. */
  type: string;
  required: boolean;
  /** The schema's default, when it has one. */
  default?: JsonValue | undefined;
}

interface Def {
  type: string;
  innerType?: ZodType;
  shape?: Record<string, ZodType>;
  defaultValue?: unknown;
}

function defOf(schema: ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/**
 * The attributes a kind's schema declares, in declaration order, with the
 * type words core's validation uses. A schema that is no object (or a union
 * of several) declares none that can be listed.
 */
export function kindAttributes(schema: ZodType): KindAttribute[] {
  const shape = defOf(unwrapSchema(schema)).shape;
  if (shape === undefined) return [];
  return Object.entries(shape).map(([name, field]) => {
    const { required, fallback } = optionality(field);
    return {
      name,
      type: describeSchema(field),
      required,
      ...(fallback === undefined ? {} : { default: fallback }),
    };
  });
}

/** Whether the attribute must be written, and the default the schema fills in (read through wrappers). */
function optionality(schema: ZodType): { required: boolean; fallback: JsonValue | undefined } {
  let current: ZodType | undefined = schema;
  let required = true;
  for (let guard = 0; current !== undefined && guard < 16; guard++) {
    const def = defOf(current);
    if (def.type === 'default' || def.type === 'prefault') {
      const value = typeof def.defaultValue === 'function' ? def.defaultValue() : def.defaultValue;
      return { required: false, fallback: value as JsonValue };
    }
    if (def.type === 'optional') required = false;
    if (!['optional', 'nullable', 'readonly', 'default', 'prefault'].includes(def.type)) break;
    current = def.innerType;
  }
  return { required, fallback: undefined };
}

/** Every kind the registry routes, sorted, with its handler. */
export function allKinds(
  registry: Registry,
): { kind: string; provider: string; handler: KindHandler<unknown> }[] {
  return registry
    .providers()
    .flatMap((provider) =>
      Object.entries(provider.kinds).map(([kind, handler]) => ({ kind, provider: provider.name, handler })),
    )
    .sort((a, b) => a.kind.localeCompare(b.kind));
}

/** `a string, default "/"` style summary of an attribute, one line. */
export function attributeSummary(attribute: KindAttribute): string {
  const parts = [attribute.type];
  if (attribute.default !== undefined) parts.push(`default ${JSON.stringify(attribute.default)}`);
  else if (attribute.required) parts.push('required');
  return parts.join(', ');
}
