import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { documentArb, printLoose, stripSpans } from './__tests__/arbitraries';
import { ConfigError } from './errors';
import { parse } from './parse';

/** Parses `source`; any throw other than a well-placed ConfigError fails the property. */
function parseOrConfigError(source: string): void {
  try {
    parse(source, 'fuzz.strat');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const lines = source.split('\n').length;
    expect(error.line).toBeGreaterThanOrEqual(1);
    expect(error.line).toBeLessThanOrEqual(lines);
    expect(error.column).toBeGreaterThanOrEqual(1);
    expect(error.file).toBe('fuzz.strat');
    expect(error.source).toBe(source);
    expect(typeof error.hint).toBe('string');
    expect(typeof error.frame()).toBe('string');
  }
}

/** Characters that matter to the lexer, to make random text hit interesting paths. */
const syntaxChar = fc.constantFrom(
  ...'{}[]=,."\\$#/\n\r\t -_aZ09'.split(''),
  'true',
  '${',
  '\\${',
  '//',
  'é',
);

describe('parse (properties)', () => {
  it('reads back every generated document, whatever the layout', () => {
    fc.assert(
      fc.property(documentArb, fc.integer(), (doc, seed) => {
        const comments: string[] = [];
        const source = printLoose(doc, seed, comments);
        const parsed = parse(source);
        expect(stripSpans(parsed.blocks)).toEqual(doc);
        expect(parsed.comments.map((c) => c.text)).toEqual(comments);
      }),
      { numRuns: 300 },
    );
  });

  it('gives every node a span inside the source', () => {
    fc.assert(
      fc.property(documentArb, fc.integer(), (doc, seed) => {
        const source = printLoose(doc, seed);
        const visit = (node: unknown): void => {
          if (Array.isArray(node)) {
            for (const child of node) visit(child);
            return;
          }
          if (node === null || typeof node !== 'object') return;
          for (const [key, value] of Object.entries(node)) {
            if (key === 'span' || key === 'keySpan' || key === 'nameSpan' || key === 'kindSpan') {
              const { start, end } = value as {
                start: { offset: number; line: number };
                end: { offset: number };
              };
              expect(start.offset).toBeGreaterThanOrEqual(0);
              expect(end.offset).toBeGreaterThanOrEqual(start.offset);
              expect(end.offset).toBeLessThanOrEqual(source.length);
              expect(start.line).toBe(source.slice(0, start.offset).split('\n').length);
            } else {
              visit(value);
            }
          }
        };
        visit(parse(source));
      }),
      { numRuns: 100 },
    );
  });

  it('answers random text with a document or a positioned ConfigError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), parseOrConfigError), { numRuns: 500 });
    fc.assert(
      fc.property(
        fc.array(syntaxChar, { maxLength: 60 }).map((parts) => parts.join('')),
        parseOrConfigError,
      ),
      { numRuns: 2000 },
    );
  });

  it('answers mutations of valid documents with a document or a positioned ConfigError', () => {
    const mutation = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 4 }),
      insert: fc.array(syntaxChar, { maxLength: 3 }).map((parts) => parts.join('')),
    });
    fc.assert(
      fc.property(
        documentArb,
        fc.integer(),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (doc, seed, muts) => {
          let source = printLoose(doc, seed);
          for (const m of muts) {
            const at = source.length === 0 ? 0 : m.at % (source.length + 1);
            source = source.slice(0, at) + m.insert + source.slice(at + m.remove);
          }
          parseOrConfigError(source);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
