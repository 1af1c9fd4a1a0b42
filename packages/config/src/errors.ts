import { StratumError } from '@stratum/core';
import type { Span } from './ast';

/**
 * Every code a config error can carry. Where the spec names a variant we use
 * its name; the rest are ours and are documented in docs/reference/errors.md.
 */
export type ConfigErrorCode =
  // Syntax (ours)
  | 'LexError'
  | 'UnterminatedString'
  | 'NewlineInString'
  | 'BadEscape'
  | 'ParseError'
  | 'BareIdentifier'
  | 'BadInterpolation'
  // Structure and references
  | 'UnknownBlock'
  | 'BadBlockLabels'
  | 'BadKind'
  | 'RefInHostBlock'
  | 'RefInSecretBlock'
  | 'RefTooShort'
  | 'UnknownRefRoot'
  | 'UnknownHost'
  | 'UnknownHostField'
  | 'UnknownSecret'
  | 'UnknownSecretField'
  | 'NonScalarInterpolation'
  | 'DuplicateAttribute'
  | 'DuplicateHost'
  | 'DuplicateProvider'
  | 'DuplicateResource'
  | 'DuplicateSecret'
  | 'DuplicateNamespace'
  | 'ReservedResourceName'
  | 'BadHostTuning'
  | 'AmbiguousHostAddr'
  | 'BadHostAddr'
  | 'BadHostSudo'
  | 'BadHostSudoUser'
  | 'BadHostJump'
  // Secrets
  | 'BadSecretBody'
  | 'SecretEnvMissing'
  | 'SecretFileMissing'
  | 'SecretFileNoBaseDir'
  | 'SecretTildeNoHome'
  // Files
  | 'ConfigFileUnreadable'
  // Namespaces
  | 'BadNamespaceLabels'
  | 'BadNamespaceBody'
  // Variables
  | 'BadVariableBody'
  | 'DuplicateVariable'
  | 'UnsetVariable'
  | 'VariableTypeMismatch'
  | 'UndeclaredVariable'
  | 'BadVarArg'
  | 'VarFileUnreadable'
  | 'BadVarFile'
  | 'UnknownVariable'
  | 'UnknownVariableField'
  // Groups and for_each
  | 'BadGroupBody'
  | 'DuplicateGroup'
  | 'UnknownGroup'
  | 'GroupOutsideForEach'
  | 'BadForEach'
  | 'EachOutsideForEach'
  | 'UnknownEachField'
  | 'BadResourceName'
  /** A `<kind>.<name>.<attr>` reference names a resource no file declares. */
  | 'UnknownResource'
  /** A reference reads an attribute the resource's block does not write. */
  | 'UnknownResourceAttribute'
  /** Resources whose attributes read each other, round to the first. */
  | 'ReferenceCycle'
  /** A reference to a for_each resource without an instance key. */
  | 'MissingInstanceKey'
  /** An instance key on a reference to a resource without for_each. */
  | 'UnexpectedInstanceKey'
  /** An instance key the for_each does not make. */
  | 'UnknownInstanceKey';

export interface ConfigErrorOptions {
  hint?: string;
  cause?: unknown;
  /** The source text of `span.file`, for the code frame. */
  source?: string;
}

/**
 * A problem in a `.strat` file, with the position it was found at. `message`
 * is the bare description; `toString()` prefixes `file:line:col` and `frame()`
 * draws the offending source line with a caret.
 */
export class ConfigError extends StratumError<ConfigErrorCode> {
  static override readonly marker: string = '@stratum/config/ConfigError';

  readonly file: string | undefined;
  /** 1-based; 0 when the error has no single position (e.g. a duplicate across files). */
  readonly line: number;
  readonly column: number;
  readonly span: Span | undefined;
  readonly source: string | undefined;

  constructor(
    code: ConfigErrorCode,
    message: string,
    span: Span | undefined,
    options: ConfigErrorOptions = {},
  ) {
    super(code, message, { hint: options.hint, cause: options.cause });
    this.name = 'ConfigError';
    this.span = span;
    this.file = span?.file;
    this.line = span?.start.line ?? 0;
    this.column = span?.start.column ?? 0;
    this.source = options.source;
  }

  /** `file:line:col`, as much of it as is known. */
  location(): string {
    const file = this.file ?? '<input>';
    return this.line > 0 ? `${file}:${this.line}:${this.column}` : file;
  }

  /** The source line with a caret under the error, or '' when the source is not at hand. */
  frame(): string {
    if (this.source === undefined || this.span === undefined) return '';
    const lines = this.source.split(/\r?\n/);
    const { line, column } = this.span.start;
    const text = lines[line - 1];
    if (text === undefined) return '';
    const width =
      this.span.end.line === line
        ? Math.max(1, this.span.end.column - column)
        : Math.max(1, text.length - column + 1);
    const gutter = String(line).length;
    return [
      `${' '.repeat(gutter)} |`,
      `${line} | ${text}`,
      `${' '.repeat(gutter)} | ${' '.repeat(Math.max(0, column - 1))}${'^'.repeat(width)}`,
    ].join('\n');
  }

  override toString(): string {
    return `${this.location()}: ${this.message}`;
  }
}
