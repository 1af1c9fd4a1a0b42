// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat strings hold ${...} placeholders
import type { Position, Reference, Span, StringLiteral, TemplateLiteral, TemplatePart } from './ast';
import { ConfigError } from './errors';

/**
 * Decoding of a string token's body: escapes, and `${ref}` placeholders.
 *
 * The lexer hands over the whole `"..."` image, already known to hold no raw
 * line break, so every character of the body sits on the token's line and its
 * column is the token's column plus its index.
 */

/** Where a string token sits in its source, for spans and errors. */
export interface StringToken {
  /** The token text, quotes included. */
  image: string;
  offset: number;
  line: number;
  column: number;
  file: string | undefined;
  /** The whole source text, so errors can draw a code frame. */
  source: string;
}

const REF = /^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)+$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

const ESCAPE_HINT = 'the escapes are \\" \\\\ \\n \\r \\t and \\${; write \\\\ for a literal backslash';

function position(tok: StringToken, index: number): Position {
  return { offset: tok.offset + index, line: tok.line, column: tok.column + index };
}

function spanOf(tok: StringToken, from: number, to: number): Span {
  return { file: tok.file, start: position(tok, from), end: position(tok, to) };
}

function fail(
  tok: StringToken,
  code: 'BadEscape' | 'BadInterpolation',
  message: string,
  from: number,
  to: number,
  hint?: string,
): never {
  throw new ConfigError(code, message, spanOf(tok, from, to), { source: tok.source, hint });
}

/**
 * Decodes a string token into a {@link StringLiteral}, or a
 * {@link TemplateLiteral} when it holds at least one `${...}`. Text parts are
 * left out when empty, so `"${a.b}${c.d}"` has two parts, both references.
 *
 * @throws ConfigError `BadEscape` for an unknown `\x`, `BadInterpolation` for a
 *   malformed `${...}`.
 */
export function decodeString(tok: StringToken, span: Span): StringLiteral | TemplateLiteral {
  const image = tok.image;
  // Fast path: most strings hold neither an escape nor a placeholder.
  if (image.indexOf('\\') === -1 && image.indexOf('${') === -1) {
    return { type: 'string', value: image.slice(1, -1), span };
  }
  const end = image.length - 1; // index of the closing quote
  const parts: TemplatePart[] = [];
  let text = '';
  let textStart = 1;
  let i = 1;
  while (i < end) {
    const ch = image.charCodeAt(i);
    if (ch === 92 /* \ */) {
      const next = image[i + 1];
      switch (next) {
        case '"':
          text += '"';
          break;
        case '\\':
          text += '\\';
          break;
        case 'n':
          text += '\n';
          break;
        case 'r':
          text += '\r';
          break;
        case 't':
          text += '\t';
          break;
        case '$':
          if (image[i + 2] !== '{') {
            fail(
              tok,
              'BadEscape',
              '`\\$` must be followed by `{`: `\\${` is the only escape starting with `\\$`',
              i,
              i + 2,
              'a lone `$` needs no escape; write `\\${` for a literal `${`',
            );
          }
          text += '${';
          i += 3;
          continue;
        default:
          fail(tok, 'BadEscape', `unknown escape \`\\${next ?? ''}\` in string`, i, i + 2, ESCAPE_HINT);
      }
      i += 2;
      continue;
    }
    if (ch === 36 /* $ */ && image.charCodeAt(i + 1) === 123 /* { */) {
      if (text !== '') parts.push({ type: 'text', value: text, span: spanOf(tok, textStart, i) });
      text = '';
      i = readPlaceholder(tok, i, end, parts);
      textStart = i;
      continue;
    }
    // Copy the run of plain characters up to the next `\` or `$` at once.
    let j = i + 1;
    while (j < end) {
      const c = image.charCodeAt(j);
      if (c === 92 || c === 36) break;
      j++;
    }
    text += image.slice(i, j);
    i = j;
  }
  if (parts.length === 0) return { type: 'string', value: text, span };
  if (text !== '') parts.push({ type: 'text', value: text, span: spanOf(tok, textStart, end) });
  return { type: 'template', parts, span };
}

/** Reads the `${...}` starting at `start`, pushes its reference, returns the index after `}`. */
function readPlaceholder(tok: StringToken, start: number, end: number, parts: TemplatePart[]): number {
  const image = tok.image;
  const close = image.indexOf('}', start + 2);
  if (close === -1 || close >= end) {
    fail(
      tok,
      'BadInterpolation',
      'unterminated `${` in string: expected `}` to close it',
      start,
      end,
      'close the reference with `}`, or write `\\${` for a literal `${`',
    );
  }
  const nested = image.indexOf('${', start + 2);
  if (nested !== -1 && nested < close) {
    fail(
      tok,
      'BadInterpolation',
      'nested `${` is not supported',
      nested,
      nested + 2,
      'a placeholder holds one reference like `${host.prod.addr}`',
    );
  }
  const inner = image.slice(start + 2, close);
  const trimmed = inner.trim();
  if (trimmed === '') {
    fail(
      tok,
      'BadInterpolation',
      'empty `${}` is not allowed',
      start,
      close + 1,
      'put a reference inside, like `${host.prod.addr}`, or write `\\${` for a literal `${`',
    );
  }
  const from = start + 2 + inner.indexOf(trimmed);
  const to = from + trimmed.length;
  if (IDENT.test(trimmed)) {
    fail(
      tok,
      'BadInterpolation',
      `bare identifier \`${trimmed}\` not allowed in \`\${...}\``,
      from,
      to,
      `use a reference such as \`\${host.${trimmed}.addr}\``,
    );
  }
  if (!REF.test(trimmed)) {
    fail(
      tok,
      'BadInterpolation',
      `\`${trimmed}\` is not a reference: \`\${...}\` takes dotted names like \`host.prod.addr\``,
      from,
      to,
      'write `\\${` for a literal `${`',
    );
  }
  const ref: Reference = { type: 'ref', segments: trimmed.split('.'), span: spanOf(tok, from, to) };
  parts.push(ref);
  return close + 1;
}
