import { createToken, Lexer, type TokenType } from 'chevrotain';

/**
 * The `.strat` tokens. Whitespace is skipped; comments go to the `comments`
 * group so the parser never sees them but the formatter can put them back.
 *
 * Every regex token names the characters it can start with
 * (`start_chars_hint`): chevrotain otherwise parses each regex at every start
 * to find them, most of the cost of building the lexer. lexer.test.ts checks
 * the hints against a lexer built without them.
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
  start_chars_hint: [' ', '\t', '\r', '\n', '\uFEFF'],
  group: Lexer.SKIPPED,
  line_breaks: true,
});

export const Comment = createToken({
  name: 'Comment',
  pattern: /(?:#|\/\/)[^\n\r]*/,
  start_chars_hint: ['#', '/'],
  group: 'comments',
});

/*
 * A string is `"`, a run of plain characters, then any number of `\x` pairs
 * each followed by a run of plain characters. Written as the obvious regex,
 * `"[^"\\\n\r]*(?:\\[^\n\r][^"\\\n\r]*)*"`, V8's backtracking engine keeps one
 * entry on its stack per repetition of the group, and a string of a few
 * million escapes overflowed it (`RangeError: Maximum call stack size
 * exceeded`, which the CLI printed as an internal error).
 *
 * So the escapes are taken up to 1,000 at a time inside a lookahead, and the
 * lookahead's capture is then consumed with `\1`. A lookahead is atomic: once
 * it has matched, its backtracking entries are dropped. One stack entry is left
 * per 1,000 escapes, a few hundred thousand for the longest string a JavaScript
 * engine can hold, far below the limit; and the match stays linear. The
 * plain-character runs are single character classes, which V8 runs without
 * stacking anything.
 */

/** A string up to its closing quote (left out), a line break or the end of input. */
const STRING_PREFIX_PATTERN = /"[^"\\\n\r]*(?:(?=((?:\\[^\n\r][^"\\\n\r]*){1,1000}))\1)*\\?/;

/** A complete string: no raw line break, any `\x` pair (checked later). */
export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"[^"\\\n\r]*(?:(?=((?:\\[^\n\r][^"\\\n\r]*){1,1000}))\1)*"/,
  start_chars_hint: ['"'],
});

/**
 * What is left when {@link StringLiteral} cannot match: a string cut short by
 * a line break or the end of input (a backslash right before either is kept).
 * No grammar rule accepts it, so the parse stops there and `parse()` reports
 * it as `UnterminatedString` or `NewlineInString`.
 */
export const BrokenString = createToken({
  name: 'BrokenString',
  pattern: STRING_PREFIX_PATTERN,
  start_chars_hint: ['"'],
});

/** {@link BrokenString}'s pattern as a sticky regex, for {@link tokenLimitOffset}. */
const STRING_PREFIX = new RegExp(STRING_PREFIX_PATTERN.source, 'y');

export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /-?[0-9]+(?:\.[0-9]+)?/,
  start_chars_hint: [...'-0123456789'],
});

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_-]*/,
  start_chars_hint: [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_'],
});

export const True = createToken({
  name: 'True',
  pattern: /true/,
  start_chars_hint: ['t'],
  longer_alt: Identifier,
});
export const False = createToken({
  name: 'False',
  pattern: /false/,
  start_chars_hint: ['f'],
  longer_alt: Identifier,
});

// One character each: chevrotain matches a string pattern by its character code, no regex at all.
export const LCurly = createToken({ name: 'LCurly', pattern: '{', label: '`{`' });
export const RCurly = createToken({ name: 'RCurly', pattern: '}', label: '`}`' });
export const LSquare = createToken({ name: 'LSquare', pattern: '[', label: '`[`' });
export const RSquare = createToken({ name: 'RSquare', pattern: ']', label: '`]`' });
export const Equals = createToken({ name: 'Equals', pattern: '=', label: '`=`' });
export const Comma = createToken({ name: 'Comma', pattern: ',', label: '`,`' });
export const Dot = createToken({ name: 'Dot', pattern: '.', label: '`.`' });

/** `[A-Za-z_]` */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whether a token (or a comment) can start at `i`: where the lexer resumes after an unexpected character. */
function startsToken(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  switch (c) {
    case 32 /* space */:
    case 9 /* \t */:
    case 10 /* \n */:
    case 13 /* \r */:
    case 0xfeff:
    case 35 /* # */:
    case 34 /* " */:
    case 123 /* { */:
    case 125 /* } */:
    case 91 /* [ */:
    case 93 /* ] */:
    case 61 /* = */:
    case 44 /* , */:
    case 46 /* . */:
      return true;
    case 47 /* / */:
      return text.charCodeAt(i + 1) === 47;
    case 45 /* - */:
      return isDigit(text.charCodeAt(i + 1));
    default:
      return isDigit(c) || isNameStart(c);
  }
}

/**
 * The offset at which the token after the first `limit` starts, or -1 when
 * `text` holds no more than `limit`. Comments count as tokens, and so does
 * each run of unexpected characters (the lexer reports each as one error):
 * everything the lexer would allocate an object for. It walks the text the
 * way {@link stratLexer} does, without allocating, so `parse` can refuse a
 * text whose tokens would not fit in memory before lexing it.
 */
export function tokenLimitOffset(text: string, limit: number): number {
  const n = text.length;
  let count = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 0xfeff) {
      i++;
      continue;
    }
    if (++count > limit) return i;
    if (c === 34 /* " */) {
      // Up to the closing quote, a line break or the end.
      STRING_PREFIX.lastIndex = i;
      STRING_PREFIX.test(text);
      i = STRING_PREFIX.lastIndex;
      if (text.charCodeAt(i) === 34) i++;
    } else if (c === 35 /* # */ || (c === 47 /* / */ && text.charCodeAt(i + 1) === 47)) {
      i++;
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    } else if (isDigit(c) || (c === 45 /* - */ && isDigit(text.charCodeAt(i + 1)))) {
      i++;
      while (isDigit(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) === 46 /* . */ && isDigit(text.charCodeAt(i + 1))) {
        i += 2;
        while (isDigit(text.charCodeAt(i))) i++;
      }
    } else if (isNameStart(c)) {
      i++;
      for (let d = text.charCodeAt(i); isNameStart(d) || isDigit(d) || d === 45; d = text.charCodeAt(++i));
    } else if (startsToken(text, i)) {
      i++; // one of `{ } [ ] = , .`
    } else {
      i++;
      while (i < n && !startsToken(text, i)) i++;
    }
  }
  return -1;
}

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
 * A lexer for the `.strat` tokens. Tokens carry only offsets: lines and
 * columns are worked out by `LineIndex` for the tokens that become AST nodes,
 * which is cheaper than counting them for every token.
 *
 * `validate` runs chevrotain's checks of the token definitions (half the cost
 * of building a lexer). They can only fail on a change to the definitions
 * above, never on input, so the lexer that parses skips them and a test builds
 * one with them.
 */
export function buildStratLexer(validate: boolean): Lexer {
  return new Lexer(allTokens, {
    positionTracking: 'onlyOffset',
    ensureOptimizations: true,
    skipValidations: !validate,
  });
}

let sharedLexer: Lexer | undefined;

/** The one lexer instance, built on first use: only a command that reads a config pays for it. */
export function stratLexer(): Lexer {
  sharedLexer ??= buildStratLexer(false);
  return sharedLexer;
}
