import type { Span } from '../ast';
import type { ConfigErrorCode } from '../errors';
import type { EvalContext } from './context';

/**
 * Remembers where each name was first declared and rejects a second
 * declaration. There is no "last file wins": the error names both places.
 */
export class DuplicateTracker {
  readonly #first = new Map<string, Span>();

  constructor(
    private readonly code: ConfigErrorCode,
    /** `host`, `secret`, `resource`, ... */
    private readonly noun: string,
    private readonly ctx: EvalContext,
  ) {}

  /** Records `name` declared at `span`; throws when it was declared before. */
  add(name: string, span: Span): void {
    const first = this.#first.get(name);
    if (first === undefined) {
      this.#first.set(name, span);
      return;
    }
    throw this.ctx.error(
      this.code,
      `duplicate ${this.noun} \`${name}\`: defined in ${describePlaces(first, span)}`,
      span,
      `keep one declaration of ${this.noun} \`${name}\` and remove the other`,
    );
  }
}

/**
 * `hosts.strat and infra.strat`; when both are in the same file (or both are
 * anonymous input), the line numbers tell them apart: `app.strat:3 and app.strat:9`.
 */
function describePlaces(first: Span, second: Span): string {
  if (first.file !== undefined && second.file !== undefined && first.file !== second.file) {
    return `${first.file} and ${second.file}`;
  }
  const name = (span: Span) => `${span.file ?? '<input>'}:${span.start.line}`;
  return `${name(first)} and ${name(second)}`;
}
