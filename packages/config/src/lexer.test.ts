// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat strings hold ${...} placeholders
import { createToken, Lexer, type TokenType } from 'chevrotain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allTokens, buildStratLexer, stratLexer } from './lexer';

function lex(source: string) {
  const result = stratLexer().tokenize(source);
  return {
    tokens: result.tokens.map((t) => [t.tokenType.name, t.image]),
    comments: (result.groups.comments ?? []).map((t) => t.image),
    errors: result.errors.map((e) => e.offset),
  };
}

describe('lexer', () => {
  it('splits a block into tokens and skips whitespace', () => {
    expect(lex('host "prod" {\n  port = 22\n}').tokens).toEqual([
      ['Identifier', 'host'],
      ['StringLiteral', '"prod"'],
      ['LCurly', '{'],
      ['Identifier', 'port'],
      ['Equals', '='],
      ['NumberLiteral', '22'],
      ['RCurly', '}'],
    ]);
  });

  it('lexes true and false as keywords, but not as prefixes of names', () => {
    expect(lex('true false trueish false_x').tokens).toEqual([
      ['True', 'true'],
      ['False', 'false'],
      ['Identifier', 'trueish'],
      ['Identifier', 'false_x'],
    ]);
  });

  it('lexes identifiers with digits, underscores and dashes', () => {
    expect(lex('_a b-1 c_d-e9').tokens.map((t) => t[1])).toEqual(['_a', 'b-1', 'c_d-e9']);
  });

  it('lexes signed decimal numbers', () => {
    expect(lex('-3 4000 1.5 -0.25').tokens).toEqual([
      ['NumberLiteral', '-3'],
      ['NumberLiteral', '4000'],
      ['NumberLiteral', '1.5'],
      ['NumberLiteral', '-0.25'],
    ]);
  });

  it('lexes a reference as names and dots', () => {
    expect(lex('host.prod.addr').tokens.map((t) => t[0])).toEqual([
      'Identifier',
      'Dot',
      'Identifier',
      'Dot',
      'Identifier',
    ]);
  });

  it('puts # and // comments in their own group, up to the end of the line', () => {
    const out = lex('# one\na = 1 // two\r\n// three');
    expect(out.comments).toEqual(['# one', '// two', '// three']);
    expect(out.tokens.map((t) => t[1])).toEqual(['a', '=', '1']);
  });

  it('keeps a string with escapes and placeholders as one token', () => {
    expect(lex('"a \\" b \\\\ ${host.x.y} \\${z}"').tokens).toEqual([
      ['StringLiteral', '"a \\" b \\\\ ${host.x.y} \\${z}"'],
    ]);
  });

  it('marks a string cut by a line break or the end of input as broken', () => {
    expect(lex('"abc\n"').tokens[0]).toEqual(['BrokenString', '"abc']);
    expect(lex('"abc').tokens[0]).toEqual(['BrokenString', '"abc']);
    expect(lex('"abc\\').tokens[0]).toEqual(['BrokenString', '"abc\\']);
  });

  it('reports characters that start no token', () => {
    expect(lex('a = @').errors).toEqual([4]);
    expect(lex("a = 'x'").errors.length).toBeGreaterThan(0);
  });
});

describe('lexer: token definitions', () => {
  it("pass chevrotain's checks, which the lexer that parses skips", () => {
    // The constructor throws on a definition error (none is deferred to tokenize).
    expect(() => buildStratLexer(true)).not.toThrow();
  });

  /** The same tokens with no `start_chars_hint`: chevrotain works out every regex's first characters itself. */
  function unhintedLexer(): Lexer {
    const copies = new Map<TokenType, TokenType>();
    const copy = (token: TokenType): TokenType => {
      let made = copies.get(token);
      if (made === undefined) {
        const longerAlt = token.LONGER_ALT as TokenType | undefined;
        made = createToken({
          name: token.name,
          pattern: token.PATTERN as RegExp | string,
          ...(token.GROUP === undefined ? {} : { group: token.GROUP }),
          ...(token.LINE_BREAKS === undefined ? {} : { line_breaks: token.LINE_BREAKS }),
          ...(longerAlt === undefined ? {} : { longer_alt: copy(longerAlt) }),
        });
        copies.set(token, made);
      }
      return made;
    };
    return new Lexer(allTokens.map(copy), { positionTracking: 'onlyOffset', ensureOptimizations: true });
  }

  it('name the first characters of their patterns exactly: any text lexes as without the hints', () => {
    const reference = unhintedLexer();
    const seen = (lexer: Lexer, text: string) => {
      const result = lexer.tokenize(text);
      return {
        tokens: result.tokens.map((t) => `${t.tokenType.name}@${t.startOffset}:${t.image}`),
        comments: (result.groups.comments ?? []).map((t) => `${t.startOffset}:${t.image}`),
        errors: result.errors.map((e) => `${e.offset}+${e.length}`),
      };
    };
    // Every character that starts a token, its neighbours, and some that start none.
    const char = fc.oneof(
      fc.constantFrom(...' \t\r\n\uFEFF#/"\\-.0123456789{}[]=,tf_aZ$é€😀'),
      fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)),
      fc.integer({ min: 0x80, max: 0xffff }).map((code) => String.fromCharCode(code)),
    );
    fc.assert(
      fc.property(
        fc.array(char, { maxLength: 60 }).map((chars) => chars.join('')),
        (text) => {
          expect(seen(stratLexer(), text)).toEqual(seen(reference, text));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
