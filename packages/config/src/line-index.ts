import type { Position, Span } from './ast';

/**
 * Turns offsets into 1-based line/column positions. The lexer only records
 * offsets (cheaper than having it count lines for every token); the parser
 * asks for positions in nearly increasing order, so a cursor that walks
 * forward makes a lookup O(1), with a binary search for the rare step back.
 * Only `\n` ends a line, matching the lexer.
 */
export class LineIndex {
  readonly source: string;
  readonly file: string | undefined;
  private readonly starts: number[] = [0];
  private cursor = 0;

  constructor(source: string, file: string | undefined) {
    this.source = source;
    this.file = file;
    for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    const starts = this.starts;
    let k = this.cursor;
    if (offset < starts[k]!) {
      let lo = 0;
      let hi = k - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      k = lo;
    } else {
      const last = starts.length - 1;
      while (k < last && starts[k + 1]! <= offset) k++;
    }
    this.cursor = k;
    return { offset, line: k + 1, column: offset - starts[k]! + 1 };
  }

  /** The span of `length` characters from `offset`, which must not cross a line break. */
  span(offset: number, length: number): Span {
    const start = this.position(offset);
    return {
      file: this.file,
      start,
      end: { offset: offset + length, line: start.line, column: start.column + length },
    };
  }

  /** Where the text ends. */
  end(): Position {
    return this.position(this.source.length);
  }
}
