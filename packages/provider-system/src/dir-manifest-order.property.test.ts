import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareRelpaths } from './dir-manifest';

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe('compareRelpaths', () => {
  it('orders as the UTF-8 bytes do, surrogates (paired or lone) included', () => {
    // Short strings over a few units make shared prefixes and surrogate meetings common.
    const unit = fc.constantFrom(
      'a',
      'b',
      '/',
      '\u00e9',
      '\uffff',
      '\ue000',
      '\ud83d',
      '\ude00',
      '\udbff',
      '\udc00',
    );
    const path = fc.array(unit, { maxLength: 6 }).map((units) => units.join(''));
    fc.assert(
      fc.property(
        fc.oneof(path, fc.string({ unit: 'binary' })),
        fc.oneof(path, fc.string({ unit: 'binary' })),
        (a, b) => {
          expect(Math.sign(compareRelpaths(a, b))).toBe(byBytes(a, b));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('puts a character above U+FFFF after U+E000-U+FFFF, where UTF-16 units would not', () => {
    expect(compareRelpaths('\ud83d\ude00', '\uffff')).toBe(1);
    expect(compareRelpaths('\uffff', '\ud83d\ude00')).toBe(-1);
    expect(compareRelpaths('a/b', 'a/b')).toBe(0);
    expect(compareRelpaths('a', 'a/b')).toBe(-1);
  });
});
