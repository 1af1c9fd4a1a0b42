/**
 * The syntax tree of a `.strat` document. Every node carries a {@link Span} so
 * that any later error (evaluation, attribute validation) can point at
 * `file:line:col`. The tree is plain data: no methods, safe to serialise.
 */

export interface Position {
  /** 0-based character offset into the source. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
}

export interface Span {
  file?: string | undefined;
  start: Position;
  /** Exclusive end. */
  end: Position;
}

export interface StringLiteral {
  type: 'string';
  /** The value with escapes decoded. */
  value: string;
  span: Span;
}

/** A string holding at least one `${...}`: literal text and references, alternating. */
export interface TemplateLiteral {
  type: 'template';
  parts: TemplatePart[];
  span: Span;
}

export type TemplatePart = { type: 'text'; value: string; span: Span } | Reference;

export interface NumberLiteral {
  type: 'number';
  value: number;
  /** The source text, kept so `fmt` does not rewrite `1.50` as `1.5`. */
  raw: string;
  span: Span;
}

export interface BoolLiteral {
  type: 'bool';
  value: boolean;
  span: Span;
}

export interface ListExpression {
  type: 'list';
  items: Expression[];
  span: Span;
}

export interface MapEntry {
  key: string;
  /** Written as `"key"` rather than `key`. */
  quotedKey: boolean;
  keySpan: Span;
  value: Expression;
  span: Span;
}

export interface MapExpression {
  type: 'map';
  entries: MapEntry[];
  span: Span;
}

/** `host.prod.addr`, `secret.pg.value`: two or more dotted identifiers. */
export interface Reference {
  type: 'ref';
  segments: string[];
  span: Span;
}

export type Expression =
  | StringLiteral
  | TemplateLiteral
  | NumberLiteral
  | BoolLiteral
  | ListExpression
  | MapExpression
  | Reference;

export interface Attribute {
  type: 'attribute';
  name: string;
  nameSpan: Span;
  value: Expression;
  span: Span;
}

export interface Label {
  value: string;
  span: Span;
}

/** `kind "label"... { body }`, at the top level or nested in a body. */
export interface Block {
  type: 'block';
  kind: string;
  kindSpan: Span;
  labels: Label[];
  body: BodyItem[];
  span: Span;
}

export type BodyItem = Attribute | Block;

export interface Comment {
  /** The comment text including its `#` or `//` marker. */
  text: string;
  span: Span;
}

export interface Document {
  type: 'document';
  file?: string | undefined;
  blocks: Block[];
  /** Every comment, in source order (the formatter puts them back). */
  comments: Comment[];
  span: Span;
}
