import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import { closedSchema, publishedSchema } from '../output/json-schema';
import { PUBLISHED_SCHEMAS, type PublishedSchemaName } from '../output/schemas';

// `format: date-time` comes with a `pattern` that checks it: ajv needs no format plugin.
const options = { strict: true, allErrors: true, formats: { 'date-time': true as const } };

/** A validator of the published (open) schema: what a consumer of the document runs. */
export function publishedValidator(name: PublishedSchemaName) {
  return new Ajv2020(options).compile(publishedSchema(name, PUBLISHED_SCHEMAS[name]));
}

/** A validator of the closed schema: rejects any field the zod schema does not list. */
export function closedValidator(name: PublishedSchemaName) {
  return new Ajv2020(options).compile(closedSchema(PUBLISHED_SCHEMAS[name]));
}

/**
 * Asserts that `document` (as printed: through JSON) is what its schema says,
 * field for field: valid against the published schema, and against the closed
 * one, so an output that gained a field its schema does not list fails here.
 */
export function expectMatchesSchema(name: PublishedSchemaName, document: unknown): void {
  const published = publishedValidator(name);
  const closed = closedValidator(name);
  for (const validate of [published, closed])
    expect(validate(document), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
  // The compatibility promise: a field a later stratum adds keeps a consumer's validation passing.
  const later = { ...(document as object), field_added_later: true };
  expect(published(later), `${name}: ${JSON.stringify(published.errors)}`).toBe(true);
  expect(closed(later)).toBe(false);
}
