/**
 * The one error base of every stratum package.
 *
 * Errors carry data (a string `code`, readonly fields, an optional `hint` saying
 * what to do), not pre-formatted strings: the CLI decides how to print them.
 * `isInstance` is a brand check rather than `instanceof`, so an error thrown by
 * one copy of `@stratum/core` (say, inside a third-party provider's own
 * node_modules) is still recognised by another.
 */
const BRAND = Symbol.for('@stratum/core/StratumError');

export interface StratumErrorOptions {
  /** What the user can do about it, one sentence. */
  hint?: string;
  cause?: unknown;
}

export class StratumError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly hint: string | undefined;
  /** The brand `isInstance` checks; not part of the API. */
  readonly [BRAND] = true;

  constructor(code: Code, message: string, options: StratumErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StratumError';
    this.code = code;
    this.hint = options.hint;
  }

  /** True for any stratum error, from any copy of this package. */
  static isInstance(value: unknown): value is StratumError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** True when `value` is a stratum error carrying `code`. */
  static hasCode<C extends string>(value: unknown, code: C): value is StratumError<C> {
    return StratumError.isInstance(value) && value.code === code;
  }
}
