import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskValues } from './mask';

describe('maskValues', () => {
  it('replaces every occurrence with ***, longest value first', () => {
    expect(maskValues('user=alice pass=alicepw1 again alicepw1', ['alice', 'alicepw1'])).toBe(
      'user=*** pass=*** again ***',
    );
  });

  it('leaves values shorter than 4 characters and empty values alone', () => {
    expect(maskValues('on yes 1 abc', ['on', 'yes', '1', 'abc', ''])).toBe('on yes 1 abc');
    expect(maskValues('abcd', ['abcd'])).toBe('***');
  });

  it('takes any iterable and leaves text without the values as it is', () => {
    expect(maskValues('nothing here', new Set(['secret']))).toBe('nothing here');
    expect(maskValues('', ['secret'])).toBe('');
  });

  it('property: no value of 4+ characters is left in the output', () => {
    // Values never contain `*`: the mask itself cannot spell one.
    const char = fc.constantFrom('a', 'b', 'c', ' ', '=', '\n');
    const text = fc.array(char, { maxLength: 40 }).map((cs) => cs.join(''));
    const value = fc.array(char, { minLength: 1, maxLength: 7 }).map((cs) => cs.join(''));
    fc.assert(
      fc.property(
        text,
        fc.array(value, { maxLength: 5 }),
        fc.array(value, { maxLength: 3 }),
        (t, values, extra) => {
          // Plant the values in the text so they actually occur.
          const planted = [t, ...values, ...extra].join('|');
          const out = maskValues(planted, [...values, ...extra]);
          for (const v of [...values, ...extra]) {
            if (v.length >= 4) expect(out).not.toContain(v);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: output without any long value is unchanged', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string({ maxLength: 3 })), (t, values) => {
        expect(maskValues(t, values)).toBe(t);
      }),
    );
  });
});
