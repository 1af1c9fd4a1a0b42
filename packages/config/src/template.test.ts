// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat strings hold ${...} placeholders
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stripSpans } from './__tests__/arbitraries';
import type { Span } from './ast';
import { ConfigError } from './errors';
import { decodeString } from './template';

const SPAN: Span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };

/** Decodes `image` as if it stood at line 3, column 5 (offset 40) of `f.strat`. */
function decode(image: string) {
  return decodeString({ image, offset: 40, line: 3, column: 5, file: 'f.strat', source: image }, SPAN);
}

function failure(image: string): ConfigError {
  try {
    decode(image);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${image} to fail`);
}

describe('decodeString', () => {
  it('returns a plain string when there is no escape or placeholder', () => {
    expect(decode('"api"')).toEqual({ type: 'string', value: 'api', span: SPAN });
    expect(decode('"cost: $5 {x}"')).toMatchObject({ type: 'string', value: 'cost: $5 {x}' });
  });

  it('decodes every escape', () => {
    expect(decode('"a\\"b\\\\c\\nd\\re\\tf"')).toMatchObject({ type: 'string', value: 'a"b\\c\nd\re\tf' });
  });

  it('turns \\${ into a literal ${ and no placeholder', () => {
    expect(decode('"literal \\${HOME} not stratum"')).toMatchObject({
      type: 'string',
      value: 'literal ${HOME} not stratum',
    });
  });

  it('splits a template into text and references', () => {
    const tpl = decode('"postgresql://app:${secret.pg.value}@${host.primary.addr}:5432/app"');
    expect(stripSpans(tpl)).toEqual({
      type: 'template',
      parts: [
        { type: 'text', value: 'postgresql://app:' },
        { type: 'ref', segments: ['secret', 'pg', 'value'] },
        { type: 'text', value: '@' },
        { type: 'ref', segments: ['host', 'primary', 'addr'] },
        { type: 'text', value: ':5432/app' },
      ],
    });
  });

  it('leaves out empty text parts', () => {
    expect(stripSpans(decode('"${a.b}${c.d}"'))).toEqual({
      type: 'template',
      parts: [
        { type: 'ref', segments: ['a', 'b'] },
        { type: 'ref', segments: ['c', 'd'] },
      ],
    });
  });

  it('decodes escapes in the text around placeholders', () => {
    expect(stripSpans(decode('"\\t${a.b}\\${x}"'))).toEqual({
      type: 'template',
      parts: [
        { type: 'text', value: '\t' },
        { type: 'ref', segments: ['a', 'b'] },
        { type: 'text', value: '${x}' },
      ],
    });
  });

  it('allows blanks around the reference', () => {
    expect(stripSpans(decode('"${ host.a.b }"'))).toEqual({
      type: 'template',
      parts: [{ type: 'ref', segments: ['host', 'a', 'b'] }],
    });
  });

  it('keeps a two-segment reference for the evaluator to judge', () => {
    expect(stripSpans(decode('"${secret.foo}"'))).toEqual({
      type: 'template',
      parts: [{ type: 'ref', segments: ['secret', 'foo'] }],
    });
  });

  it('gives parts spans inside the string', () => {
    const tpl = decode('"ab${x.y}c"');
    if (tpl.type !== 'template') throw new Error('expected a template');
    expect(tpl.parts.map((p) => [p.span.start.column, p.span.end.column, p.span.start.offset])).toEqual([
      [6, 8, 41],
      [10, 13, 45],
      [14, 15, 49],
    ]);
    expect(tpl.parts[1]!.span.file).toBe('f.strat');
  });

  it.each([
    ['"\\q"', 'BadEscape', 'unknown escape `\\q` in string', 6],
    ['"ok \\x41"', 'BadEscape', 'unknown escape `\\x` in string', 9],
    [
      '"\\$HOME"',
      'BadEscape',
      '`\\$` must be followed by `{`: `\\${` is the only escape starting with `\\$`',
      6,
    ],
    ['"${foo}"', 'BadInterpolation', 'bare identifier `foo` not allowed in `${...}`', 8],
    ['"${a.${b}}"', 'BadInterpolation', 'nested `${` is not supported', 10],
    ['"${}"', 'BadInterpolation', 'empty `${}` is not allowed', 6],
    ['"${  }"', 'BadInterpolation', 'empty `${}` is not allowed', 6],
    ['"x ${a.b"', 'BadInterpolation', 'unterminated `${` in string: expected `}` to close it', 8],
    [
      '"${a..b}"',
      'BadInterpolation',
      '`a..b` is not a reference: `${...}` takes dotted names like `host.prod.addr`',
      8,
    ],
    [
      '"${1.2}"',
      'BadInterpolation',
      '`1.2` is not a reference: `${...}` takes dotted names like `host.prod.addr`',
      8,
    ],
  ])('rejects %s', (image, code, message, column) => {
    const error = failure(image);
    expect({ code: error.code, message: error.message, line: error.line, column: error.column }).toEqual({
      code,
      message,
      line: 3,
      column,
    });
    expect(error.file).toBe('f.strat');
    expect(error.hint).toBeTruthy();
  });
});

/** One piece of a string body and what it decodes to. */
type Piece =
  | { kind: 'text'; written: string }
  | { kind: 'escape'; written: string; decoded: string }
  | { kind: 'ref'; segments: string[] };

const ESCAPES: [string, string][] = [
  ['\\"', '"'],
  ['\\\\', '\\'],
  ['\\n', '\n'],
  ['\\r', '\r'],
  ['\\t', '\t'],
  ['\\${', '${'],
];

const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  fc
    .array(fc.constantFrom('a', 'Z', ' ', '$', '{', '}', 'é', '😀'), { minLength: 1, maxLength: 6 })
    .map((chars) => ({ kind: 'text' as const, written: chars.join('') })),
  fc.constantFrom(...ESCAPES).map(([written, decoded]) => ({ kind: 'escape' as const, written, decoded })),
  fc
    .array(fc.constantFrom('host', 'pg', 'a_b', 'x-1'), { minLength: 2, maxLength: 3 })
    .map((segments) => ({ kind: 'ref' as const, segments })),
);

function written(piece: Piece): string {
  return piece.kind === 'ref' ? `\${${piece.segments.join('.')}}` : piece.written;
}

describe('decodeString (properties)', () => {
  it('decodes any mix of text, escapes and placeholders as each piece says, with spans where they were written', () => {
    fc.assert(
      fc.property(fc.array(pieceArb, { maxLength: 12 }), (pieces) => {
        const image = `"${pieces.map(written).join('')}"`;
        // A run of text pieces holding `${` would be a placeholder of its own, not text.
        const runs = pieces.map((piece) => (piece.kind === 'text' ? piece.written : '\n')).join('');
        fc.pre(!runs.includes('${'));
        const expected: { type: string; value?: string; segments?: string[]; from: number; to: number }[] =
          [];
        let at = 1;
        for (const piece of pieces) {
          const text = written(piece);
          if (piece.kind === 'ref')
            expected.push({ type: 'ref', segments: piece.segments, from: at, to: at + text.length });
          else {
            const value = piece.kind === 'escape' ? piece.decoded : piece.written;
            const last = expected.at(-1);
            if (last?.type === 'text') {
              last.value += value;
              last.to = at + text.length;
            } else expected.push({ type: 'text', value, from: at, to: at + text.length });
          }
          at += text.length;
        }
        const decoded = decode(image);
        if (!expected.some((part) => part.type === 'ref')) {
          expect(decoded).toEqual({ type: 'string', value: expected[0]?.value ?? '', span: SPAN });
          return;
        }
        if (decoded.type !== 'template') throw new Error(`expected a template for ${image}`);
        expect(
          decoded.parts.map((part) =>
            part.type === 'text'
              ? { type: 'text', value: part.value }
              : { type: 'ref', segments: (part as { segments: string[] }).segments },
          ),
        ).toEqual(expected.map(({ from: _from, to: _to, ...part }) => part));
        for (const [index, part] of decoded.parts.entries()) {
          if (part.type !== 'text') continue;
          expect([part.span.start.offset - 40, part.span.end.offset - 40]).toEqual([
            expected[index]!.from,
            expected[index]!.to,
          ]);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
