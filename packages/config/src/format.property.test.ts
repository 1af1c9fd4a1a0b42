import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { documentArb, printLoose, stripSpans } from './__tests__/arbitraries';
import { fleetDocumentArb } from './__tests__/fleet-arbitraries';
import { format } from './format';
import { loadStr } from './load';
import { parse } from './parse';

describe('format (properties)', () => {
  it('keeps the meaning and every comment, and is idempotent', () => {
    fc.assert(
      fc.property(documentArb, fc.integer(), (doc, seed) => {
        const comments: string[] = [];
        const source = printLoose(doc, seed, comments);
        const formatted = format(source);
        const reparsed = parse(formatted);
        expect(stripSpans(reparsed.blocks)).toEqual(doc);
        expect(reparsed.comments.map((c) => c.text)).toEqual(comments.map((c) => c.trimEnd()));
        expect(format(formatted)).toBe(formatted);
      }),
      { numRuns: 400 },
    );
  });

  it('writes the canonical layout: two-space indents, no trailing blanks, one final newline', () => {
    fc.assert(
      fc.property(documentArb, fc.integer(), (doc, seed) => {
        const formatted = format(printLoose(doc, seed));
        if (formatted === '') return;
        expect(formatted.endsWith('\n')).toBe(true);
        expect(formatted.endsWith('\n\n')).toBe(false);
        for (const line of formatted.slice(0, -1).split('\n')) {
          expect(line).not.toMatch(/[ \t]$/);
          expect(line).not.toMatch(/^\t/);
          expect((line.match(/^ */)?.[0].length ?? 0) % 2).toBe(0);
        }
        expect(formatted).not.toMatch(/\n\n\n/);
        expect(formatted).not.toContain('\r');
      }),
      { numRuns: 200 },
    );
  });

  it('keeps fleet documents (variables, groups, for_each) and their instances as they were', () => {
    fc.assert(
      fc.property(fleetDocumentArb, fc.integer(), (doc, seed) => {
        const source = printLoose(doc, seed);
        const formatted = format(source);
        expect(stripSpans(parse(formatted).blocks)).toEqual(doc);
        expect(format(formatted)).toBe(formatted);
        const load = (text: string) =>
          loadStr(text, { env: {} }).resources.map((r) => ({ addr: r.addr, attrs: r.attrs }));
        expect(load(formatted)).toEqual(load(source));
      }),
      { numRuns: 150 },
    );
  });
});
