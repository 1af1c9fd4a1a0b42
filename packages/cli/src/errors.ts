import { StratumError } from '@stratum/core';

/** Problems with how the CLI was invoked or with the files it was pointed at. */
export type CliErrorCode =
  | 'EnvFileMissing'
  | 'EnvFileSyntax'
  | 'NamespaceWithConfig'
  | 'ManifestMissing'
  | 'UnknownNamespace'
  | 'ConfigMissing'
  | 'DestroyRefused'
  | 'UnresolvedSecret'
  | 'InvalidAttributes'
  | 'CrossNamespaceConflict'
  | 'NoHostMatched'
  | 'ApplyFailed'
  | 'FormatCheckFailed'
  | 'StateNotFound'
  | 'BadArguments';

export class CliError extends StratumError<CliErrorCode> {
  /** Extra lines printed under the message (lists of resources, files, ...). */
  readonly details: readonly string[];
  /** Process exit code for this error (1 unless said otherwise). */
  readonly exitCode: number;

  constructor(
    code: CliErrorCode,
    message: string,
    options: { hint?: string; details?: readonly string[]; exitCode?: number; cause?: unknown } = {},
  ) {
    super(code, message, { hint: options.hint, cause: options.cause });
    this.name = 'CliError';
    this.details = options.details ?? [];
    this.exitCode = options.exitCode ?? 1;
  }
}
