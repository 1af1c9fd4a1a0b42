import { createToken, Lexer, type TokenType } from 'chevrotain';

/**
 * The `.strat` tokens. Whitespace is skipped; comments go to the `comments`
 * group so the parser never sees them but the formatter can put them back.
 *
 * A string is lexed as one token (escapes are only checked for shape here);
 * its body is decoded, and split on `${...}`, by `template.ts`. Keeping the
 * string a single token keeps the hot path to one regex per string.
 */

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  // A leading byte-order mark is treated as whitespace so files saved by
  // editors that add one still parse.
  pattern: /[ \t\r\n\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const Comment = createToken({
  name: 'Comment',
  pattern: /(?:#|\/\/)[^\n\r]*/,
  group: 'comments',
});

/** A complete string: no raw line break, any `\x` pair (checked later). */
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"[^"\\\n\r]*(?:\\[^\n\r][^"\\\n\r]*)*"/,
});

/**
 * What is left when {@link StringLiteral} cannot match: a string cut short by
 * a line break or the end of input. No grammar rule accepts it, so the parse
 * stops there and `parse()` reports it as `UnterminatedString` or
 * `NewlineInString`.
 */
export const BrokenString = createToken({
  name: 'BrokenString',
  pattern: /"[^"\\\n\r]*(?:\\[^\n\r][^"\\\n\r]*)*\\?/,
});

export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /-?[0-9]+(?:\.[0-9]+)?/,
});

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_-]*/,
});

export const True = createToken({ name: 'True', pattern: /true/, longer_alt: Identifier });
export const False = createToken({ name: 'False', pattern: /false/, longer_alt: Identifier });

export const LCurly = createToken({ name: 'LCurly', pattern: /\{/, label: '`{`' });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/, label: '`}`' });
export const LSquare = createToken({ name: 'LSquare', pattern: /\[/, label: '`[`' });
export const RSquare = createToken({ name: 'RSquare', pattern: /\]/, label: '`]`' });
export const Equals = createToken({ name: 'Equals', pattern: /=/, label: '`=`' });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: '`,`' });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: '`.`' });

/** Order matters: keywords before identifiers, whole strings before broken ones. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  StringLiteral,
  BrokenString,
  NumberLiteral,
  True,
  False,
  Identifier,
  LCurly,
  RCurly,
  LSquare,
  RSquare,
  Equals,
  Comma,
  Dot,
];

/**
 * The one lexer instance (building one compiles and validates every pattern).
 * Tokens carry only offsets: lines and columns are worked out by
 * `LineIndex` for the tokens that become AST nodes, which is cheaper
 * than counting them for every token.
 */
export const stratLexer = new Lexer(allTokens, {
  positionTracking: 'onlyOffset',
  ensureOptimizations: true,
});
