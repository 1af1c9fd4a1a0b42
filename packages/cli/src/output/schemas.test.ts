import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { publishedSchema } from './json-schema';
import { PUBLISHED_SCHEMAS, type PublishedSchemaName } from './schemas';

const schemasDir = fileURLToPath(new URL('../../schemas/', import.meta.url));
const names = Object.keys(PUBLISHED_SCHEMAS) as PublishedSchemaName[];
const generated = (name: PublishedSchemaName) =>
  `${JSON.stringify(publishedSchema(name, PUBLISHED_SCHEMAS[name]), null, 2)}\n`;

interface Versioned {
  properties?: Record<string, { const?: unknown; maximum?: unknown }>;
}

/** The spec's state-file format: versioned by the file's `version` (no `format_version`), entries with it. */
const STATE_FILE_FORMAT = new Set<PublishedSchemaName>(['state', 'state-resource']);

/** Every `additionalProperties` in a schema, with where it is. */
function additionalProperties(node: unknown, at = ''): [string, unknown][] {
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(key === 'additionalProperties' ? [[at, value] as [string, unknown]] : []),
    ...additionalProperties(value, `${at}/${key}`),
  ]);
}

describe('the published JSON Schemas (schemas/*.schema.json)', () => {
  it.each(names)('schemas/%s.schema.json is the committed one (regenerate with UPDATE_SCHEMAS=1)', (name) => {
    const file = `${schemasDir}${name}.schema.json`;
    if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(file, generated(name));
    expect(readFileSync(file, 'utf8')).toBe(generated(name));
  });

  it('ships exactly those files, each in the package exports and linked from the reference page', () => {
    expect(readdirSync(schemasDir).sort()).toEqual(names.map((name) => `${name}.schema.json`).sort());
    const exports = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).exports;
    const page = readFileSync(new URL('../../../../docs/reference/json-output.md', import.meta.url), 'utf8');
    for (const name of names) {
      expect(exports[`./schemas/${name}.schema.json`]).toBe(`./schemas/${name}.schema.json`);
      expect(page).toContain(`/schemas/${name}.schema.json`);
    }
  });

  it.each(names)('%s: draft 2020-12, a title, a pinned version, and no closed object', (name) => {
    const schema = publishedSchema(name, PUBLISHED_SCHEMAS[name]) as unknown as Versioned & {
      $schema: string;
      title: string;
      oneOf?: Versioned[];
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toMatch(/^stratum /);
    // A consumer knows which version it reads: the stream's first line, or the document's own field.
    const versioned = name === 'apply-event' ? schema.oneOf?.[0] : schema;
    const pinned = STATE_FILE_FORMAT.has(name)
      ? schema.properties?.version?.maximum
      : versioned?.properties?.format_version?.const;
    if (name !== 'state-resource') expect(pinned).toBe(1);
    // Adding a field must not break a consumer's validator: only a version bump may.
    expect(additionalProperties(schema).filter(([, value]) => value === false)).toEqual([]);
  });
});
