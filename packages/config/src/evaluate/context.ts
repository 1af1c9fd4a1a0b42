import type { SourceLocation } from '@stratum/core';
import type { Block, Span } from '../ast';
import { ConfigError, type ConfigErrorCode } from '../errors';

/** One parsed input: a file (or a `loadStr` string) and where its relative paths resolve. */
export interface SourceUnit {
  /** The name spans carry (`undefined` for an anonymous `loadStr`). */
  file: string | undefined;
  source: string;
  /** Absolute directory relative local paths resolve against; `undefined` when there is none. */
  baseDir: string | undefined;
}

/** A top-level block together with the input it came from. */
export interface UnitBlock {
  block: Block;
  unit: SourceUnit;
}

/**
 * Shared by every evaluator pass: knows the source text of each input so the
 * errors it builds can draw a code frame.
 */
export class EvalContext {
  readonly #sources = new Map<string | undefined, string>();

  constructor(units: readonly SourceUnit[]) {
    for (const unit of units) this.#sources.set(unit.file, unit.source);
  }

  /** Makes `source` known for code frames of errors in `file` (a variable file, say). */
  addSource(file: string, source: string): void {
    this.#sources.set(file, source);
  }

  /** Builds (does not throw) a {@link ConfigError} located at `span`. */
  error(
    code: ConfigErrorCode,
    message: string,
    span: Span | undefined,
    hint?: string,
    cause?: unknown,
  ): ConfigError {
    const source = span === undefined ? undefined : this.#sources.get(span.file);
    return new ConfigError(code, message, span, { hint, cause, source });
  }
}

/** The start of a span as a core {@link SourceLocation}. */
export function toLocation(span: Span): SourceLocation {
  return { file: span.file, line: span.start.line, column: span.start.column };
}
