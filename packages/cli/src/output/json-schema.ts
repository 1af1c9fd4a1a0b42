import { z } from 'zod';

/**
 * A schema as shipped in `schemas/NAME.schema.json`, with the `$id` the docs
 * site serves it at. Published open: every object allows properties it does
 * not list, because adding a field keeps a document's `format_version` (see
 * docs/reference/json-output.md) and must not break a consumer's validator.
 * Only a breaking change bumps `format_version`, which the schema pins.
 */
export function publishedSchema(name: string, schema: z.ZodType): Record<string, unknown> {
  return {
    $id: `https://stratum-iac.github.io/stratum/schemas/${name}.schema.json`,
    ...(withoutClosedObjects(closedSchema(schema)) as Record<string, unknown>),
  };
}

/**
 * The same schema with every object closed (`additionalProperties: false`):
 * what stratum's own tests validate its outputs against, so a field added to
 * an output without being added to its zod schema fails a test.
 */
export function closedSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}

function withoutClosedObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutClosedObjects);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'additionalProperties' && value === false) continue;
    out[key] = withoutClosedObjects(value);
  }
  return out;
}
