import { expect } from 'vitest';
import type { ConfigErrorCode } from '../errors';
import { ConfigError } from '../errors';

export interface ExpectedError {
  code: ConfigErrorCode;
  /** The exact message, or a pattern it must match. */
  message?: string | RegExp;
  line?: number;
  column?: number;
  file?: string;
}

/** Runs `fn`, which must throw a ConfigError matching `expected`; returns the error. */
export function expectConfigError(fn: () => unknown, expected: ExpectedError): ConfigError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, 'expected a ConfigError to be thrown').toBeInstanceOf(ConfigError);
  const err = thrown as ConfigError;
  expect(err.code).toBe(expected.code);
  if (typeof expected.message === 'string') expect(err.message).toBe(expected.message);
  if (expected.message instanceof RegExp) expect(err.message).toMatch(expected.message);
  if (expected.line !== undefined) expect({ line: err.line }).toEqual({ line: expected.line });
  if (expected.column !== undefined) expect({ column: err.column }).toEqual({ column: expected.column });
  if (expected.file !== undefined) expect(err.file).toBe(expected.file);
  expect(typeof err.hint).toBe('string');
  return err;
}

/** Joins lines into a `.strat` source, so tests can count lines and columns at a glance. */
export function strat(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}
