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

/** `[A-Za-z_]` */
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

/** `[A-Za-z0-9_-]` */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45;
}

/**
 * How many dot-separated names `text` is made of (`host.a.b` is 3), or 0 when
 * it is not such a chain. A loop rather than the regex
 * `^[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)+$`, whose backtracking
 * goes one stack entry deeper per segment and overflows on a few million of them.
 */
function nameChainLength(text: string): number {
  let segments = 0;
  let i = 0;
  const n = text.length;
  for (;;) {
    if (i >= n || !isNameStart(text.charCodeAt(i))) return 0;
    i++;
    while (i < n && isNameChar(text.charCodeAt(i))) i++;
    segments++;
    if (i === n) return segments;
    if (text.charCodeAt(i) !== 46 /* . */) return 0;
    i++;
  }
}

/** At most this many characters of a token are quoted in a message. */
const MAX_SHOWN = 40;

/**
 * At most this many characters of a name are quoted in a message: enough for
 * any real name, so a message can still suggest what to write, while a name of
 * ten million characters does not end up in it.
 */
export const MAX_NAME_SHOWN = 200;

/** `text`, cut to `max` characters with an ellipsis, for a message. */
export function shorten(text: string, max = MAX_SHOWN): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

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
  // The body is scanned for the next `\` or `$` by the regex engine, and the
  // plain runs between them are sliced, not copied a unit at a time: a 2 KiB
  // file's content written with `\n` escapes is one slice per line. The
  // current text part is kept as pieces and joined once, when it ends.
  const parts: TemplatePart[] = [];
  let pieces: string[] = [];
  let textStart = 1; // where the current text part began, for its span
  let runStart = 1; // where the plain run not yet in `pieces` began
  let i = 1;
  for (;;) {
    SPECIAL.lastIndex = i;
    const at = SPECIAL.exec(image)?.index ?? end;
    if (at >= end) break;
    if (image.charCodeAt(at) === 92 /* \ */) {
      if (at > runStart) pieces.push(image.slice(runStart, at));
      const next = image.charCodeAt(at + 1);
      switch (next) {
        case 34 /* " */:
          pieces.push('"');
          break;
        case 92 /* \ */:
          pieces.push('\\');
          break;
        case 110 /* n */:
          pieces.push('\n');
          break;
        case 114 /* r */:
          pieces.push('\r');
          break;
        case 116 /* t */:
          pieces.push('\t');
          break;
        case 36 /* $ */:
          if (image.charCodeAt(at + 2) !== 123 /* { */) {
            fail(
              tok,
              'BadEscape',
              '`\\$` must be followed by `{`: `\\${` is the only escape starting with `\\$`',
              at,
              at + 2,
              'a lone `$` needs no escape; write `\\${` for a literal `${`',
            );
          }
          pieces.push('${');
          i = runStart = at + 3;
          continue;
        default:
          fail(
            tok,
            'BadEscape',
            `unknown escape \`\\${image[at + 1] ?? ''}\` in string`,
            at,
            at + 2,
            ESCAPE_HINT,
          );
      }
      i = runStart = at + 2;
      continue;
    }
    if (image.charCodeAt(at + 1) !== 123 /* { */) {
      i = at + 1; // a lone `$` is text
      continue;
    }
    if (at > runStart) pieces.push(image.slice(runStart, at));
    const value = pieces.join('');
    if (value !== '') parts.push({ type: 'text', value, span: spanOf(tok, textStart, at) });
    pieces = [];
    i = textStart = runStart = readPlaceholder(tok, at, end, parts);
  }
  if (end > runStart) pieces.push(image.slice(runStart, end));
  const text = pieces.join('');
  if (parts.length === 0) return { type: 'string', value: text, span };
  if (text !== '') parts.push({ type: 'text', value: text, span: spanOf(tok, textStart, end) });
  return { type: 'template', parts, span };
}

/** What ends a plain run in a string's body: an escape or a possible `${`. */
const SPECIAL = /[\\$]/g;

/**
 * Texts up to this many UTF-16 units are built in one buffer kept for all of
 * them; a longer one gets its own.
 */
const KEPT_UNITS = 4096;
const kept = new Uint16Array(KEPT_UNITS);

/**
 * A buffer of at least `units` UTF-16 units to build a text in, before
 * {@link fromUnits} turns it into a string. The small one is shared: use it
 * up before asking for another.
 */
export function buffer(units: number): Uint16Array {
  return units <= KEPT_UNITS ? kept : new Uint16Array(units);
}

/**
 * `String.fromCharCode` takes its arguments on the stack, so a long text is
 * converted this many units at a time.
 */
const SLICE_UNITS = 1024;

/** The string made of the first `length` units of `buf`. */
export function fromUnits(buf: Uint16Array, length: number): string {
  if (length <= SLICE_UNITS)
    return String.fromCharCode.apply(null, buf.subarray(0, length) as unknown as number[]);
  const slices: string[] = [];
  for (let at = 0; at < length; at += SLICE_UNITS) {
    const units = buf.subarray(at, Math.min(length, at + SLICE_UNITS));
    slices.push(String.fromCharCode.apply(null, units as unknown as number[]));
  }
  return slices.join('');
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
  const inner = image.slice(start + 2, close);
  const nestedAt = inner.indexOf('${');
  if (nestedAt !== -1) {
    const nested = start + 2 + nestedAt;
    fail(
      tok,
      'BadInterpolation',
      'nested `${` is not supported',
      nested,
      nested + 2,
      'a placeholder holds one reference like `${host.prod.addr}`',
    );
  }
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
  const from = start + 2 + inner.length - inner.trimStart().length;
  const to = from + trimmed.length;
  const segments = nameChainLength(trimmed);
  if (segments === 1) {
    const name = shorten(trimmed, MAX_NAME_SHOWN);
    fail(
      tok,
      'BadInterpolation',
      `bare identifier \`${name}\` not allowed in \`\${...}\``,
      from,
      to,
      `use a reference such as \`\${host.${name}.addr}\``,
    );
  }
  if (segments === 0) {
    fail(
      tok,
      'BadInterpolation',
      `\`${shorten(trimmed, MAX_NAME_SHOWN)}\` is not a reference: \`\${...}\` takes dotted names like \`host.prod.addr\``,
      from,
      to,
      'write `\\${` for a literal `${`',
    );
  }
  const ref: Reference = { type: 'ref', segments: trimmed.split('.'), span: spanOf(tok, from, to) };
  parts.push(ref);
  return close + 1;
}
