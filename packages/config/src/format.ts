import type {
  Attribute,
  Block,
  BodyItem,
  Comment,
  Document,
  Expression,
  ListExpression,
  MapEntry,
  MapExpression,
  Span,
} from './ast';
import { LineIndex } from './line-index';
import { parse } from './parse';
import { buffer, fromUnits } from './template';

/** Lists longer than this (indent included) are written one item per line. */
export const MAX_LINE_WIDTH = 80;

const INDENT = '  ';

/**
 * Rewrites `.strat` source in the canonical layout (what `stratum fmt` writes):
 * two-space indents, one attribute or map entry per line, `key = value` with
 * single spaces, a blank line between top-level blocks, short lists on one
 * line, strings re-escaped, numbers as written, every comment kept.
 * `format(format(x)) === format(x)`.
 *
 * @throws ConfigError when the source does not parse (see {@link parse}).
 */
export function format(source: string, file?: string): string {
  return printDocument(parse(source, file), source);
}

/**
 * Prints a parsed document. Comments are placed by their spans: a comment on
 * the line where an item ends trails that item; any other comment goes on its
 * own line before the next item, or before the closing brace. A comment caught
 * inside a one-line construct (say between `=` and its value) moves up to its
 * own line above that construct. Single blank lines between items are kept.
 */
export function printDocument(doc: Document, source: string): string {
  const printer = new Printer(doc.comments, source);
  printer.body(doc.blocks, '', source.length, true);
  const out = printer.lines;
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

/** Where a run of lines stands, for deciding about blank lines. */
interface Run {
  /** Source line of the last thing written in this run; undefined at its start. */
  lastLine: number | undefined;
  /** The next thing is preceded by a blank line whatever the source had. */
  forceBlank: boolean;
}

class Printer {
  readonly lines: string[] = [];
  private next = 0;
  private readonly comments: Comment[];
  private readonly source: string;
  private readonly index: LineIndex;

  constructor(comments: Comment[], source: string) {
    this.comments = comments;
    this.source = source;
    this.index = new LineIndex(source, undefined);
  }

  // ---- comments ---------------------------------------------------------

  private peek(): Comment | undefined {
    return this.comments[this.next];
  }

  private gap(run: Run, line: number): void {
    if (run.lastLine !== undefined && (run.forceBlank || line - run.lastLine > 1)) this.lines.push('');
    run.forceBlank = false;
  }

  /** Writes, each on its own line, the comments that start before `offset`. */
  private ownLineComments(before: number, indent: string, run: Run): void {
    for (let c = this.peek(); c !== undefined && c.span.start.offset < before; c = this.peek()) {
      this.gap(run, c.span.start.line);
      this.lines.push(indent + c.text.trimEnd());
      run.lastLine = c.span.start.line;
      this.next++;
    }
  }

  /**
   * Appends to the last line a comment that sits on source line `line` after
   * `after` and before `before` (the next item's start, when it shares the line).
   */
  private trailingComment(line: number, after: number, before = Number.POSITIVE_INFINITY): void {
    const c = this.peek();
    if (
      c !== undefined &&
      c.span.start.line === line &&
      c.span.start.offset >= after &&
      c.span.start.offset < before
    ) {
      this.lines[this.lines.length - 1] += ` ${c.text.trimEnd()}`;
      this.next++;
    }
  }

  private hasCommentWithin(span: Span): boolean {
    const c = this.peek();
    return c !== undefined && c.span.start.offset < span.end.offset;
  }

  // ---- bodies -----------------------------------------------------------

  /**
   * The items of a document or block body, then the comments left before its
   * closing brace (`close` is that brace's offset, or the end of the text).
   */
  body(items: BodyItem[], indent: string, close: number, top = false): void {
    // No blank line is kept right after an opening brace.
    const run: Run = { lastLine: undefined, forceBlank: false };
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      this.ownLineComments(item.span.start.offset, indent, run);
      if (item.type === 'block') this.block(item, indent, run);
      else this.attribute(item, indent, run);
      this.trailingComment(
        item.span.end.line,
        item.span.end.offset,
        items[i + 1]?.span.start.offset ?? close,
      );
      run.lastLine = item.span.end.line;
      run.forceBlank = top;
    }
    this.ownLineComments(close, indent, run);
  }

  private block(block: Block, indent: string, run: Run): void {
    const open = this.findOpenBrace(block);
    // Comments between the kind and `{` cannot stay there.
    this.ownLineComments(open, indent, run);
    this.gap(run, block.span.start.line);
    const labels = block.labels.map((l) => ` ${quote(l.value)}`).join('');
    const head = `${indent}${block.kind}${labels} {`;
    const close = block.span.end.offset - 1;
    if (block.body.length === 0 && !this.hasCommentWithin(block.span)) {
      this.lines.push(`${head}}`);
      return;
    }
    this.lines.push(head);
    const openLine = this.lineOf(open);
    this.trailingComment(openLine, open, block.body[0]?.span.start.offset ?? close);
    this.body(block.body, indent + INDENT, close);
    this.lines.push(`${indent}}`);
  }

  private attribute(attr: Attribute, indent: string, run: Run): void {
    this.keyed(`${attr.name} = `, attr.value, attr.span, indent, run);
  }

  /** A `key = value` line (an attribute or a map entry), the value perhaps spanning lines. */
  private keyed(prefix: string, value: Expression, span: Span, indent: string, run: Run): void {
    const container = value.type === 'list' || value.type === 'map';
    this.ownLineComments(container ? value.span.start.offset : span.end.offset, indent, run);
    this.gap(run, span.start.line);
    this.value(value, indent, indent + prefix, '');
  }

  // ---- values -------------------------------------------------------------

  /**
   * Writes `value` starting on a new line that begins with `lead` (indent and
   * any `key = `) and ends with `suffix` (`,` in a list).
   */
  private value(value: Expression, indent: string, lead: string, suffix: string): void {
    if (value.type === 'map') this.map(value, indent, lead, suffix);
    else if (value.type === 'list') this.list(value, indent, lead, suffix);
    else this.lines.push(lead + inline(value) + suffix);
  }

  private map(map: MapExpression, indent: string, lead: string, suffix: string): void {
    const close = map.span.end.offset - 1;
    if (map.entries.length === 0 && !this.hasCommentWithin(map.span)) {
      this.lines.push(`${lead}{}${suffix}`);
      return;
    }
    this.lines.push(`${lead}{`);
    this.trailingComment(
      map.span.start.line,
      map.span.start.offset,
      map.entries[0]?.span.start.offset ?? close,
    );
    const inner = indent + INDENT;
    const run: Run = { lastLine: undefined, forceBlank: false };
    const entries = map.entries;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      this.ownLineComments(entry.span.start.offset, inner, run);
      this.keyed(`${mapKey(entry)} = `, entry.value, entry.span, inner, run);
      this.trailingComment(
        entry.span.end.line,
        entry.span.end.offset,
        entries[i + 1]?.span.start.offset ?? close,
      );
      run.lastLine = entry.span.end.line;
    }
    this.ownLineComments(close, inner, run);
    this.lines.push(`${indent}}${suffix}`);
  }

  private list(list: ListExpression, indent: string, lead: string, suffix: string): void {
    if (!this.hasCommentWithin(list.span)) {
      const text = inlineList(list);
      if (text !== undefined && lead.length + text.length + suffix.length <= MAX_LINE_WIDTH) {
        this.lines.push(lead + text + suffix);
        return;
      }
    }
    const close = list.span.end.offset - 1;
    this.lines.push(`${lead}[`);
    this.trailingComment(
      list.span.start.line,
      list.span.start.offset,
      list.items[0]?.span.start.offset ?? close,
    );
    const inner = indent + INDENT;
    const run: Run = { lastLine: undefined, forceBlank: false };
    const items = list.items;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const container = item.type === 'list' || item.type === 'map';
      this.ownLineComments(container ? item.span.start.offset : item.span.end.offset, inner, run);
      this.gap(run, item.span.start.line);
      this.value(item, inner, inner, ',');
      this.trailingComment(
        item.span.end.line,
        item.span.end.offset,
        items[i + 1]?.span.start.offset ?? close,
      );
      run.lastLine = item.span.end.line;
    }
    this.ownLineComments(close, inner, run);
    this.lines.push(`${indent}]${suffix}`);
  }

  // ---- source positions -------------------------------------------------

  /** The offset of the `{` opening a block's body: after its labels, past blanks and comments. */
  private findOpenBrace(block: Block): number {
    const src = this.source;
    const last = block.labels[block.labels.length - 1];
    let i = (last ?? { span: block.kindSpan }).span.end.offset;
    while (i < src.length) {
      const ch = src[i];
      if (ch === '{') return i;
      if (ch === '#' || (ch === '/' && src[i + 1] === '/')) {
        while (i < src.length && src[i] !== '\n' && src[i] !== '\r') i++;
      } else {
        i++;
      }
    }
    return i;
  }

  private lineOf(offset: number): number {
    return this.index.position(offset).line;
  }
}

// ---- one-line renderings ----------------------------------------------------

/**
 * The body of a string literal for `text`: the escapes the lexer reads back,
 * and no others. Built unit by unit in a buffer rather than by a `replace`
 * with a callback per match: a string of millions of characters to escape
 * stays linear and cheap.
 */
function escapeText(text: string): string {
  const n = text.length;
  let i = 0;
  while (i < n && !needsEscape(text, i)) i++;
  if (i === n) return text;
  const buf = buffer(2 * n); // every unit escaped at worst
  let k = 0;
  for (let j = 0; j < i; j++) buf[k++] = text.charCodeAt(j);
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    switch (c) {
      case 92 /* \ */:
      case 34 /* " */:
        buf[k++] = 92;
        buf[k++] = c;
        break;
      case 10 /* \n */:
        buf[k++] = 92;
        buf[k++] = 110; // n
        break;
      case 13 /* \r */:
        buf[k++] = 92;
        buf[k++] = 114; // r
        break;
      case 9 /* \t */:
        buf[k++] = 92;
        buf[k++] = 116; // t
        break;
      case 36 /* $ */:
        // `${` becomes `\${`; a lone `$` stays as it is.
        if (text.charCodeAt(i + 1) === 123 /* { */) buf[k++] = 92;
        buf[k++] = c;
        break;
      default:
        buf[k++] = c;
    }
  }
  return fromUnits(buf, k);
}

function needsEscape(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return (
    c === 92 || c === 34 || c === 10 || c === 13 || c === 9 || (c === 36 && text.charCodeAt(i + 1) === 123)
  );
}

/** `value` as a canonical double-quoted string. */
export function quote(value: string): string {
  return `"${escapeText(value)}"`;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function mapKey(entry: MapEntry): string {
  // A bare key that is not an identifier cannot come from the parser, but an
  // AST built by hand might hold one; quoting keeps the output parseable.
  return entry.quotedKey || !IDENT.test(entry.key) ? quote(entry.key) : entry.key;
}

/** A scalar, reference or template on one line. Lists and maps are written by the printer. */
function inline(value: Exclude<Expression, ListExpression | MapExpression>): string {
  switch (value.type) {
    case 'string':
      return quote(value.value);
    case 'number':
      return value.raw;
    case 'bool':
      return value.value ? 'true' : 'false';
    case 'ref':
      return value.segments.join('.');
    case 'template':
      return `"${value.parts.map((p) => (p.type === 'text' ? escapeText(p.value) : `\${${p.segments.join('.')}}`)).join('')}"`;
  }
}

/** The list on one line, or undefined when it holds a map (maps always span lines). */
function inlineList(list: ListExpression): string | undefined {
  const items: string[] = [];
  for (const item of list.items) {
    if (item.type === 'map') {
      if (item.entries.length > 0) return undefined;
      items.push('{}');
    } else if (item.type === 'list') {
      const text = inlineList(item);
      if (text === undefined) return undefined;
      items.push(text);
    } else {
      items.push(inline(item));
    }
  }
  return `[${items.join(', ')}]`;
}
