import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diff, diffObserved } from './diff';
import { mintDigest } from './secrets/digest';
import { markerFromDigest } from './secrets/markers';
import type { JsonValue } from './types';

/** Random JSON, with secret markers (salted, at a cheap cost) mixed in among the leaves. */
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(
      fc.jsonValue({ maxDepth: 0 }) as fc.Arbitrary<JsonValue>,
      fc
        .tuple(fc.string({ minLength: 1, maxLength: 6 }), fc.string())
        .map(([n, p]) => markerFromDigest(n, mintDigest(p, 4))),
    ),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('diff properties', () => {
  it('diffObserved(x, x) is empty', () => {
    fc.assert(
      fc.property(json, (x) => {
        expect(diffObserved(x, x)).toEqual([]);
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue() as fc.Arbitrary<JsonValue>, (x) => {
        expect(diffObserved(x, x)).toEqual([]);
      }),
    );
  });

  it('diffObserved(x, structuredClone(x)) is empty (no reliance on identity)', () => {
    fc.assert(
      fc.property(json, (x) => {
        expect(diffObserved(x, structuredClone(x))).toEqual([]);
      }),
    );
  });

  it('diff(x, x) is empty', () => {
    fc.assert(
      fc.property(json, (x) => {
        expect(diff(x, structuredClone(x))).toEqual([]);
      }),
    );
  });

  it('diff finds a difference whenever two plain values differ', () => {
    fc.assert(
      fc.property(
        fc.jsonValue() as fc.Arbitrary<JsonValue>,
        fc.jsonValue() as fc.Arbitrary<JsonValue>,
        (a, b) => {
          const equal = JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
          expect(diff(a, b).length === 0).toBe(equal || looselyEqual(a, b));
        },
      ),
    );
  });
});

/** Keys sorted, so two equal objects stringify alike. */
function canonical(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(canonical);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k]!)]),
    );
  }
  return v;
}

/** `diff` treats a missing key as null, and -0 as 0: values equal under those rules. */
function looselyEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => looselyEqual(x, b[i]!));
  if (
    typeof a === 'object' &&
    typeof b === 'object' &&
    a !== null &&
    b !== null &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => looselyEqual(a[k] ?? null, b[k] ?? null));
  }
  return false;
}
