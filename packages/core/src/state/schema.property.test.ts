import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsedStateFileSchema, stateFileSchema } from './schema';

/** Entries as a state file may hold them, right or wrong in their shape, with any JSON as attrs. */
const entryArb = fc.record(
  {
    addr: fc.oneof(
      { arbitrary: fc.constant({ kind: 'a_b', name: 'c' }), weight: 6 },
      fc.record({ kind: fc.constantFrom('a_b', ''), name: fc.constantFrom('c', '') }),
      fc.record({ kind: fc.constant('a_b'), name: fc.constant('c'), index: fc.nat() }),
      fc.constant('a_b.c'),
    ),
    provider: fc.oneof({ arbitrary: fc.constant('a'), weight: 4 }, fc.integer()),
    attrs: fc.jsonValue(),
    reads: fc.array(fc.oneof({ arbitrary: fc.string(), weight: 4 }, fc.integer()), { maxLength: 2 }),
    lineage: fc.string(),
  },
  // Every field may be missing; an unknown one (`lineage`) is left out more often than not.
  { requiredKeys: [] },
);

describe('parsedStateFileSchema (properties)', () => {
  it('accepts and refuses exactly what the published state schema does, for any parsed JSON', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a_b.c', 'x.y', '__proto__'), entryArb, { maxKeys: 3 }),
        fc.option(fc.oneof(fc.constant(1), fc.constant(2), fc.double())),
        (resources, version) => {
          // Through JSON text, as a file is read: attrs are whatever JSON.parse makes of them.
          const raw = JSON.parse(JSON.stringify(version === null ? { resources } : { version, resources }));
          expect(parsedStateFileSchema.safeParse(raw).success).toBe(stateFileSchema.safeParse(raw).success);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
