/**
 * The one error base of every stratum package.
 *
 * Errors carry data (a string `code`, readonly fields, an optional `hint` saying
 * what to do), not pre-formatted strings: the CLI decides how to print them.
 *
 * Identity checks are marker checks rather than `instanceof`, so an error thrown
 * by one copy of a package (say, the `@stratum/core` inside a third-party
 * provider's own node_modules) is still recognised by another copy. Every class
 * declares its own `marker`; an instance carries the markers of its class and of
 * every class above it, so `SshError.isInstance` is true for an
 * `AuthFailedError` but not for a `ConfigError`, while `StratumError.isInstance`
 * is true for all of them.
 */

export interface StratumErrorOptions {
  /** What the user can do about it, one sentence. */
  hint?: string | undefined;
  /** Lines printed under the message: the resources, files or claims it is about. */
  details?: readonly string[] | undefined;
  cause?: unknown;
}

/** What {@link StratumError.isInstance} needs of a class: a constructor with a marker of its own. */
type MarkedClass<E> = (abstract new (...args: never[]) => E) & { readonly marker?: string };

export class StratumError<Code extends string = string> extends Error {
  /**
   * The global name of this class's brand (`Symbol.for(marker)`). Each subclass
   * must declare its own — `static override readonly marker = '@pkg/ClassName'` —
   * or its `isInstance` answers false for everything.
   */
  static readonly marker: string = '@stratum/core/StratumError';

  readonly code: Code;
  readonly hint: string | undefined;
  /** Lines printed under the message (lists of resources, files, ...); often empty. */
  readonly details: readonly string[];

  constructor(code: Code, message: string, options: StratumErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StratumError';
    this.code = code;
    this.hint = options.hint;
    this.details = Object.freeze([...(options.details ?? [])]);
    // Brand the instance for its own class and every stratum class above it.
    for (let c: unknown = new.target; typeof c === 'function' && c !== Error; c = Object.getPrototypeOf(c)) {
      if (Object.hasOwn(c, 'marker')) {
        Object.defineProperty(this, Symbol.for((c as unknown as { marker: string }).marker), { value: true });
      }
    }
  }

  /**
   * True when `value` is an instance of the class this is called on (from any
   * copy of its package): `StratumError.isInstance(e)` for any stratum error,
   * `SshError.isInstance(e)` for ssh errors only.
   */
  static isInstance<E>(this: MarkedClass<E>, value: unknown): value is E {
    // `this` is whichever class the check was called on; its own marker is the one to look for.
    // biome-ignore lint/complexity/noThisInStatic: the subclass the check was called on, not StratumError
    if (!Object.hasOwn(this, 'marker') || typeof value !== 'object' || value === null) return false;
    // biome-ignore lint/complexity/noThisInStatic: as above
    return (value as Record<symbol, unknown>)[Symbol.for(this.marker as string)] === true;
  }

  /** True when `value` is a stratum error carrying `code`. */
  static hasCode<C extends string>(value: unknown, code: C): value is StratumError<C> {
    return StratumError.isInstance(value) && value.code === code;
  }
}
