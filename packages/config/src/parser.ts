import {
  EmbeddedActionsParser,
  EOF,
  type IOrAlt,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
} from 'chevrotain';
import type {
  Attribute,
  Block,
  BodyItem,
  Expression,
  Label,
  ListExpression,
  MapEntry,
  MapExpression,
  Position,
  Reference,
  Span,
  StringLiteral,
  TemplateLiteral,
} from './ast';
import { ConfigError } from './errors';
import {
  allTokens,
  Comma,
  Dot,
  Equals,
  False,
  Identifier,
  LCurly,
  LSquare,
  NumberLiteral,
  RCurly,
  RSquare,
  StringLiteral as StringToken,
  True,
} from './lexer';
import type { LineIndex } from './line-index';
import { decodeString, MAX_NAME_SHOWN, shorten } from './template';

/**
 * The `.strat` grammar as a chevrotain parser whose rules build the AST as
 * they go (no CST, no visitor pass: measured, the CST route alone cost more
 * than half of the bench budget, see bench/README.md).
 *
 * Recovery is off: the first error stops the parse. Chevrotain's own error
 * texts list token types; {@link ParseProblem} replaces them with sentences
 * built from the rule that failed and the block being parsed.
 */

/** The first syntax error of a parse, in our words. */
export interface ParseProblem {
  message: string;
  hint?: string | undefined;
  /** The token to point at, when it is not the one chevrotain stopped on. */
  at?: IToken | undefined;
}

interface OpenBlock {
  kind: IToken;
  labels: IToken[];
}

/**
 * How deeply blocks, lists and maps may nest. Far beyond any real config, and
 * well below the depth at which the recursive parser, formatter or evaluator
 * would overflow the stack. Measured on Node 24 with its default stack, a
 * first (not yet optimised) parse of 256 nested maps needed close to half of
 * the stack, so a caller already deep in its own calls could see it overflow;
 * 128 levels leave most of it free.
 */
export const MAX_NESTING = 128;

/** At most this many characters of a block's header are quoted in a message. */
const MAX_HEADER = 80;

/** How a token is named in a message: `` `image` `` or "the end of the file". */
export function describeToken(tok: IToken): string {
  if (tok.tokenType === EOF) return 'the end of the file';
  return `\`${shorten(tok.image)}\``;
}

function header(block: OpenBlock | undefined): string {
  if (block === undefined) return 'block';
  const text = [block.kind.image, ...block.labels.map((l) => l.image)].join(' ');
  return `\`${text.length > MAX_HEADER ? `${text.slice(0, MAX_HEADER)}…` : text}\``;
}

const GRAMMAR_HINT = 'see docs/reference/language.md for the syntax';

const VALUE_HINT =
  'a value is a "string", a number, true/false, a list [...], a map { ... } or a reference like host.prod.addr';

export class StratParser extends EmbeddedActionsParser {
  file: string | undefined;
  source = '';
  private lines!: LineIndex;
  /** Blocks opened and not yet closed, innermost last (for messages). */
  private open: OpenBlock[] = [];
  private depth = 0;
  problem: ParseProblem | undefined;

  /**
   * `validate` runs chevrotain's grammar checks (ambiguities, left recursion)
   * in `performSelfAnalysis`. They depend only on the rules below, not on any
   * input, so the parser that parses skips them and a test builds one with them.
   */
  constructor({ validate = false }: { validate?: boolean } = {}) {
    const messages: IParserErrorMessageProvider = {
      buildMismatchTokenMessage: (o) =>
        this.report(this.mismatch(o.expected, o.actual, o.previous, o.ruleName)),
      buildNoViableAltMessage: (o) => this.report(this.noViableAlt(o.actual[0]!, o.previous, o.ruleName)),
      buildNotAllInputParsedMessage: (o) => this.report(this.redundant(o.firstRedundant)),
      buildEarlyExitMessage: (o) =>
        this.report({
          message: `unexpected ${describeToken(o.actual[0]!)} after ${describeToken(o.previous)}`,
          hint: GRAMMAR_HINT,
        }),
    };
    super(allTokens, {
      maxLookahead: 2,
      recoveryEnabled: false,
      errorMessageProvider: messages,
      skipValidations: !validate,
    });
    this.performSelfAnalysis();
  }

  /** Prepares for a new parse of `tokens`, which came from `source`. */
  begin(tokens: IToken[], lines: LineIndex): void {
    this.input = tokens;
    this.lines = lines;
    this.source = lines.source;
    this.file = lines.file;
    this.open = [];
    this.depth = 0;
    this.problem = undefined;
  }

  // ---- grammar ------------------------------------------------------------

  document = this.RULE('document', (): Block[] => {
    const blocks: Block[] = [];
    this.MANY(() => {
      const block = this.SUBRULE(this.topBlock);
      if (!this.RECORDING_PHASE) blocks.push(block);
    });
    return blocks;
  });

  /** A variable file: `name = value` attributes (and blocks) at the top level, a body without braces. */
  attributes = this.RULE('attributes', (): BodyItem[] => {
    const items: BodyItem[] = [];
    this.MANY(() => {
      const item = this.SUBRULE(this.bodyItem);
      if (!this.RECORDING_PHASE) items.push(item);
    });
    return items;
  });

  private topBlock = this.RULE('topBlock', (): Block => {
    const kind = this.CONSUME(Identifier);
    return this.SUBRULE(this.blockRest, { ARGS: [kind] });
  });

  /** Everything after a block's kind: labels, `{`, body, `}`. */
  private blockRest = this.RULE('blockRest', (kind?: IToken): Block => {
    const recording = this.RECORDING_PHASE;
    const openBlock: OpenBlock | undefined = recording ? undefined : { kind: kind!, labels: [] };
    // Spans are taken in source order: the line cursor only walks forward.
    const kindSpan = recording ? undefined : this.span(kind!);
    if (openBlock) {
      this.nest(kind!);
      this.open.push(openBlock);
    }
    const labels: Label[] = [];
    this.MANY(() => {
      const tok = this.CONSUME(StringToken);
      if (openBlock) {
        openBlock.labels.push(tok);
        labels.push(this.label(tok));
      }
    });
    this.CONSUME(LCurly);
    const body: BodyItem[] = [];
    this.MANY2(() => {
      const item = this.SUBRULE(this.bodyItem);
      if (!recording) body.push(item);
    });
    const close = this.CONSUME(RCurly);
    if (recording) return undefined as unknown as Block;
    this.open.pop();
    this.depth--;
    return {
      type: 'block',
      kind: kind!.image,
      kindSpan: kindSpan!,
      labels,
      body,
      span: { file: this.file, start: kindSpan!.start, end: this.end(close) },
    };
  });

  /**
   * The alternatives of `bodyItem`, `value` and map keys are built once: an
   * `OR([...])` literal would allocate them afresh for every value parsed.
   * The attribute or block name reaches them through `pendingName`.
   */
  private pendingName: IToken | undefined;

  private readonly bodyItemAlts: IOrAlt<BodyItem>[] = [
    {
      ALT: (): BodyItem => {
        const name = this.pendingName!;
        this.CONSUME(Equals);
        const nameSpan = this.RECORDING_PHASE ? undefined! : this.span(name);
        const value = this.SUBRULE(this.value);
        if (this.RECORDING_PHASE) return undefined as unknown as Attribute;
        return {
          type: 'attribute',
          name: name.image,
          nameSpan,
          value,
          span: { file: this.file, start: nameSpan.start, end: value.span.end },
        };
      },
    },
    { ALT: (): BodyItem => this.SUBRULE(this.blockRest, { ARGS: [this.pendingName!] }) },
  ];

  private readonly valueAlts: IOrAlt<Expression>[] = [
    {
      ALT: (): Expression => {
        const tok = this.CONSUME(StringToken);
        return this.RECORDING_PHASE ? (undefined as unknown as Expression) : this.string(tok);
      },
    },
    {
      ALT: (): Expression => {
        const tok = this.CONSUME(NumberLiteral);
        if (this.RECORDING_PHASE) return undefined as unknown as Expression;
        return { type: 'number', value: Number(tok.image), raw: tok.image, span: this.span(tok) };
      },
    },
    {
      ALT: (): Expression => {
        const tok = this.CONSUME(True);
        if (this.RECORDING_PHASE) return undefined as unknown as Expression;
        return { type: 'bool', value: true, span: this.span(tok) };
      },
    },
    {
      ALT: (): Expression => {
        const tok = this.CONSUME(False);
        if (this.RECORDING_PHASE) return undefined as unknown as Expression;
        return { type: 'bool', value: false, span: this.span(tok) };
      },
    },
    { ALT: (): Expression => this.SUBRULE(this.list) },
    { ALT: (): Expression => this.SUBRULE(this.map) },
    { ALT: (): Expression => this.SUBRULE(this.reference) },
  ];

  private readonly mapKeyAlts: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME(Identifier) },
    { ALT: () => this.CONSUME(StringToken) },
  ];

  private bodyItem = this.RULE('bodyItem', (): BodyItem => {
    this.pendingName = this.CONSUME(Identifier);
    return this.OR(this.bodyItemAlts);
  });

  private value = this.RULE('value', (): Expression => this.OR(this.valueAlts));

  private list = this.RULE('list', (): ListExpression => {
    const open = this.CONSUME(LSquare);
    const start = this.RECORDING_PHASE ? undefined! : this.start(open);
    if (!this.RECORDING_PHASE) this.nest(open);
    const items: Expression[] = [];
    this.OPTION(() => {
      items.push(this.SUBRULE(this.value));
      this.MANY(() => {
        this.CONSUME(Comma);
        items.push(this.SUBRULE2(this.value));
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    const close = this.CONSUME(RSquare);
    if (this.RECORDING_PHASE) return undefined as unknown as ListExpression;
    this.depth--;
    return { type: 'list', items, span: { file: this.file, start, end: this.end(close) } };
  });

  private map = this.RULE('map', (): MapExpression => {
    const open = this.CONSUME(LCurly);
    const start = this.RECORDING_PHASE ? undefined! : this.start(open);
    if (!this.RECORDING_PHASE) this.nest(open);
    const entries: MapEntry[] = [];
    this.MANY(() => {
      const key = this.OR(this.mapKeyAlts);
      this.CONSUME(Equals);
      const keySpan = this.RECORDING_PHASE ? undefined! : this.span(key);
      const value = this.SUBRULE(this.value);
      if (!this.RECORDING_PHASE) entries.push(this.entry(key, keySpan, value));
    });
    const close = this.CONSUME(RCurly);
    if (this.RECORDING_PHASE) return undefined as unknown as MapExpression;
    this.depth--;
    return { type: 'map', entries, span: { file: this.file, start, end: this.end(close) } };
  });

  private reference = this.RULE('reference', (): Reference => {
    const first = this.CONSUME(Identifier);
    let last = first;
    const segments = [first.image];
    this.MANY(() => {
      this.OR2([
        {
          ALT: () => {
            this.CONSUME(Dot);
            last = this.CONSUME2(Identifier);
            segments.push(last.image);
          },
        },
        {
          // An instance key, `system_file.conf["web1"]`: folded into the segment
          // it follows, in the address's own form, so `fmt` prints it back as written.
          ALT: () => {
            this.CONSUME2(LSquare);
            const key = this.CONSUME2(StringToken);
            last = this.CONSUME2(RSquare);
            if (!this.RECORDING_PHASE) {
              const { value } = this.plainString(key, this.span(key), 'an instance key');
              segments[segments.length - 1] += `[${JSON.stringify(value)}]`;
            }
          },
        },
      ]);
    });
    if (this.RECORDING_PHASE) return undefined as unknown as Reference;
    if (segments.length === 1) {
      const name = shorten(first.image, MAX_NAME_SHOWN);
      throw new ConfigError(
        'BareIdentifier',
        `bare identifier \`${name}\` not allowed as value (use a string or a reference like \`host.${name}.addr\`)`,
        this.span(first),
        { source: this.source, hint: `quote it as a string: "${name}"` },
      );
    }
    return {
      type: 'ref',
      segments,
      span: { file: this.file, start: this.start(first), end: this.end(last) },
    };
  });

  // ---- AST helpers ----------------------------------------------------------

  /** Counts one more level of nesting at `tok`, refusing to go past {@link MAX_NESTING}. */
  private nest(tok: IToken): void {
    if (++this.depth > MAX_NESTING) {
      throw new ConfigError('ParseError', `nesting deeper than ${MAX_NESTING} levels`, this.span(tok), {
        source: this.source,
        hint: 'flatten the structure: blocks, lists and maps this deep are not supported',
      });
    }
  }

  private start(tok: IToken): Position {
    return this.lines.position(tok.startOffset);
  }

  private end(tok: IToken): Position {
    return this.lines.position(tok.startOffset + tok.image.length);
  }

  private span(tok: IToken): Span {
    return this.lines.span(tok.startOffset, tok.image.length);
  }

  private string(tok: IToken, span: Span = this.span(tok)): StringLiteral | TemplateLiteral {
    return decodeString(
      {
        image: tok.image,
        offset: tok.startOffset,
        line: span.start.line,
        column: span.start.column,
        file: this.file,
        source: this.source,
      },
      span,
    );
  }

  /** A string that must be plain text (a label or a map key), not a template. */
  private plainString(tok: IToken, span: Span, what: string): StringLiteral {
    const decoded = this.string(tok, span);
    if (decoded.type === 'template') {
      const ref = decoded.parts.find((p) => p.type === 'ref')!;
      throw new ConfigError('BadInterpolation', `\`\${...}\` is not allowed in ${what}`, ref.span, {
        source: this.source,
        hint: 'write `\\${` for a literal `${`',
      });
    }
    return decoded;
  }

  private label(tok: IToken): Label {
    const { value, span } = this.plainString(tok, this.span(tok), 'a block label');
    return { value, span };
  }

  private entry(key: IToken, keySpan: Span, value: Expression): MapEntry {
    const quotedKey = key.tokenType === StringToken;
    return {
      key: quotedKey ? this.plainString(key, keySpan, 'a map key').value : key.image,
      quotedKey,
      keySpan,
      value,
      span: { file: this.file, start: keySpan.start, end: value.span.end },
    };
  }

  // ---- error messages -------------------------------------------------------

  private report(problem: ParseProblem): string {
    this.problem ??= problem;
    return problem.message;
  }

  private mismatch(expected: TokenType, actual: IToken, previous: IToken, rule: string): ParseProblem {
    const found = describeToken(actual);
    const block = this.open[this.open.length - 1];
    if (rule === 'blockRest' && expected === LCurly) {
      if (actual.tokenType === Equals && this.open.length === 1) {
        return {
          message: `attribute \`${shorten(block!.kind.image, MAX_NAME_SHOWN)}\` is not allowed at the top level`,
          hint: 'a .strat file holds only blocks; put the attribute inside one, e.g. `resource "kind" "name" { ... }`',
        };
      }
      if (this.open.length > 1 && block!.labels.length === 1) {
        // `host "x"` followed by something other than `{` is far more often a
        // forgotten `=` than a nested block missing its body.
        const name = shorten(block!.kind.image, MAX_NAME_SHOWN);
        return {
          message: `expected \`=\` after attribute name \`${name}\`, found ${describeToken(block!.labels[0]!)}`,
          hint: `write \`${name} = ${shorten(block!.labels[0]!.image, MAX_NAME_SHOWN)}\`, or open the nested block's body with \`{\``,
          at: block!.labels[0],
        };
      }
      return {
        message: `expected \`{\` to open the body of ${header(block)}, found ${found}`,
        hint:
          actual.tokenType === Identifier && this.open.length === 1
            ? 'block labels are quoted strings, like `host "web"`'
            : 'a block is a name, optional "labels", then `{ ... }`',
      };
    }
    if (rule === 'blockRest' && expected === RCurly) {
      if (actual.tokenType === EOF) {
        return {
          message: `block ${header(block)} is not closed: expected \`}\`, found the end of the file`,
          hint: "add the `}` that closes this block's body",
          at: block?.kind,
        };
      }
      return {
        message: `expected an attribute, a nested block or \`}\` in the body of ${header(block)}, found ${found}`,
        hint: bodyHint(actual),
      };
    }
    if (rule === 'list' && expected === RSquare) {
      const afterItem = previous.tokenType !== Comma && previous.tokenType !== LSquare;
      return {
        message: afterItem
          ? `expected \`,\` or \`]\` after a list item, found ${found}`
          : `expected a value or \`]\` in a list, found ${found}`,
        hint: afterItem ? 'list items are separated by commas' : VALUE_HINT,
      };
    }
    if (rule === 'map' && expected === Equals) {
      return {
        message: `expected \`=\` after map key ${describeToken(previous)}, found ${found}`,
        hint:
          actual.tokenType === LCurly
            ? 'a map holds `key = value` entries; nested blocks only go in block bodies'
            : 'a map entry is `key = value`',
      };
    }
    if (rule === 'map' && expected === RCurly) {
      return {
        message: `expected a map key or \`}\` in a map, found ${found}`,
        hint:
          actual.tokenType === Comma
            ? 'map entries are not separated by commas: write one `key = value` per line'
            : 'map keys are names or quoted strings, each followed by `= value`',
      };
    }
    if (rule === 'reference' && expected === Identifier) {
      return {
        message: `expected a name after \`.\` in a reference, found ${found}`,
        hint: 'a reference is dotted names like `host.prod.addr`',
      };
    }
    return { message: `expected ${expected.LABEL ?? expected.name}, found ${found}`, hint: GRAMMAR_HINT };
  }

  private noViableAlt(actual: IToken, previous: IToken, rule: string): ParseProblem {
    const found = describeToken(actual);
    if (rule === 'value') {
      return {
        message: `expected a value after ${describeToken(previous)}, found ${found}`,
        hint: VALUE_HINT,
      };
    }
    if (rule === 'bodyItem') {
      return {
        message: `expected \`=\` after attribute name ${describeToken(previous)}, found ${found}`,
        hint: `a body holds \`name = value\` attributes and nested blocks \`name { ... }\``,
      };
    }
    return { message: `unexpected ${found} after ${describeToken(previous)}`, hint: GRAMMAR_HINT };
  }

  private redundant(tok: IToken): ParseProblem {
    return {
      message: `expected a block at the top level, found ${describeToken(tok)}`,
      hint:
        tok.tokenType === RCurly
          ? 'there is one `}` too many'
          : 'a .strat file is a list of blocks such as `host "name" { ... }`',
    };
  }
}

function bodyHint(tok: IToken): string {
  if (tok.tokenType === True || tok.tokenType === False) {
    return '`true` and `false` are keywords and cannot name an attribute';
  }
  if (tok.tokenType === StringToken) return 'attribute names are not quoted: write `name = value`';
  if (tok.tokenType === Equals) return 'an attribute needs a name before `=`';
  return 'a body holds `name = value` attributes and nested blocks `name { ... }`';
}
