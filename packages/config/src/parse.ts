// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat strings hold ${...} placeholders
import { EOF, type ILexingError, type IToken } from 'chevrotain';
import type { BodyItem, Comment, Document } from './ast';
import { ConfigError } from './errors';
import { BrokenString, stratLexer, tokenLimitOffset } from './lexer';
import { LineIndex } from './line-index';
import { StratParser } from './parser';

/**
 * How many tokens (comments included) one text may hold. Lexing keeps every
 * token in memory, about 65 bytes each, and the syntax tree built from them
 * takes several times that: a 50 MB line of `1,1,1,...` ran the process out of
 * memory. This is about four times the bench's 10,000 resources (8.5 MB, under
 * a million tokens), and a million `name = value` attributes still fit.
 */
export const MAX_TOKENS = 4_000_000;

/** Built on first use and reused: building a chevrotain parser analyses the whole grammar. */
let sharedParser: StratParser | undefined;

/**
 * Parses `.strat` source text into a {@link Document}. Every node carries a
 * span with `file` (when given), 1-based line and column, and offset.
 *
 * @param source the text of a `.strat` file.
 * @param file the path to record in spans and errors.
 * @throws ConfigError for the first lexical or syntax error in the text (codes
 *   `LexError`, `UnterminatedString`, `NewlineInString`, `BadEscape`,
 *   `ParseError`, `BareIdentifier`, `BadInterpolation`), with its position
 *   and the source for a code frame. Nothing else is thrown for any input.
 */
export function parse(source: string, file?: string): Document {
  const { result, comments, lines } = parseWith(source, file, (parser) => parser.document());
  return {
    type: 'document',
    file,
    blocks: result,
    comments,
    span: { file, start: { offset: 0, line: 1, column: 1 }, end: lines.end() },
  };
}

/**
 * Parses a variable file: `name = value` lines, as in a block body but with
 * no block around them. Errors are those of {@link parse}.
 */
export function parseAttributes(source: string, file?: string): BodyItem[] {
  return parseWith(source, file, (parser) => parser.attributes()).result;
}

function parseWith<T>(
  source: string,
  file: string | undefined,
  rule: (parser: StratParser) => T,
): { result: T; comments: Comment[]; lines: LineIndex } {
  const lines = new LineIndex(source, file);
  // A token takes at least one character, so only a longer text can hold too many.
  if (source.length > MAX_TOKENS) {
    const at = tokenLimitOffset(source, MAX_TOKENS);
    if (at !== -1) throw tooManyTokens(at, lines);
  }
  const lexed = stratLexer().tokenize(source);
  sharedParser ??= new StratParser();
  const parser = sharedParser;
  parser.begin(lexed.tokens, lines);

  let result: T | undefined;
  let thrown: ConfigError | undefined;
  try {
    result = rule(parser);
  } catch (error) {
    // Decoding a string or spotting a bare identifier stops the parse with a
    // ConfigError of its own; anything else is a bug and must surface.
    if (!(error instanceof ConfigError)) throw error;
    thrown = error;
  }

  // Report whichever problem comes first in the text.
  let first: ConfigError | undefined = thrown;
  if (first === undefined && parser.errors.length > 0) {
    first = syntaxError(parser, parser.errors[0]!.token, lines);
  }
  const lexError = lexed.errors[0];
  if (lexError !== undefined && (first === undefined || lexError.offset <= first.span!.start.offset)) {
    first = unexpectedCharacter(lexError, lines);
  }
  if (first !== undefined) throw first;

  const comments: Comment[] = (lexed.groups.comments ?? []).map((tok) => ({
    text: tok.image,
    span: lines.span(tok.startOffset, tok.image.length),
  }));
  return { result: result as T, comments, lines };
}

function tooManyTokens(offset: number, lines: LineIndex): ConfigError {
  return new ConfigError(
    'ParseError',
    `too many tokens: a file may hold at most ${MAX_TOKENS.toLocaleString('en-US')} names, values, punctuation marks and comments`,
    lines.span(offset, 1),
    {
      source: lines.source,
      hint: "split the config into several files: they load as one (repeat `-c`, or list them in a namespace's `configs`)",
    },
  );
}

function syntaxError(parser: StratParser, token: IToken, lines: LineIndex): ConfigError {
  const problem = parser.problem;
  const at = problem?.at ?? token;
  if (at.tokenType === BrokenString) return brokenString(at, lines);
  // Chevrotain's end-of-input token has no usable offset.
  const span =
    at.tokenType === EOF
      ? { file: lines.file, start: lines.end(), end: lines.end() }
      : lines.span(at.startOffset, at.image.length);
  return new ConfigError('ParseError', problem?.message ?? 'syntax error', span, {
    source: lines.source,
    hint: problem?.hint ?? 'see docs/reference/language.md for the syntax',
  });
}

/** A string the lexer could only match up to a line break or the end of input. */
function brokenString(tok: IToken, lines: LineIndex): ConfigError {
  const span = lines.span(tok.startOffset, tok.image.length);
  const source = lines.source;
  if (tok.startOffset + tok.image.length >= source.length) {
    return new ConfigError(
      'UnterminatedString',
      'unterminated string: no closing `"` before the end of the file',
      span,
      {
        source,
        hint: 'close the string with `"`',
      },
    );
  }
  return new ConfigError(
    'NewlineInString',
    'unterminated string: a string cannot contain a line break',
    span,
    {
      source,
      hint: 'close the string with `"` on the same line, or write `\\n` for a line break inside it',
    },
  );
}

function unexpectedCharacter(error: ILexingError, lines: LineIndex): ConfigError {
  const source = lines.source;
  const char = String.fromCodePoint(source.codePointAt(error.offset)!);
  return new ConfigError(
    'LexError',
    `unexpected character \`${char}\``,
    lines.span(error.offset, char.length),
    {
      source,
      hint: charHint(char, source, error.offset),
    },
  );
}

function charHint(char: string, source: string, offset: number): string {
  if (char === "'") return 'strings use double quotes: "like this"';
  if (char === '/') return 'comments start with `//` or `#`';
  if (char === ':') return 'attributes and map entries use `=`, as in `port = 22`';
  if (char === '-' || char === '+' || char === '.') {
    return 'numbers are written like `4000`, `-3` or `1.5`';
  }
  if (char === '$' && source[offset + 1] === '{') return '`${...}` only works inside a "string"';
  return 'outside strings a .strat file holds only names, numbers, `{ } [ ] = , .` and comments';
}
