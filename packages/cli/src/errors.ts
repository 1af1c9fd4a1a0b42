// The error base alone: `--help` and usage errors start without loading the engine (and zod).
import type { Diagnostic } from '@stratum/core';
import { StratumError } from '@stratum/core/errors';

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
  | 'NoHostMatched'
  | 'ApplyFailed'
  | 'FormatCheckFailed'
  | 'StateNotFound'
  | 'PlanFileNotFound'
  | 'PlanFileWriteFailed'
  | 'HostUnreachable'
  | 'StdoutFailed'
  /** `state push` / `state pull -o` would overwrite a different state (without --force). */
  | 'StateTargetNotEmpty'
  /** `state unlock` was asked to break a lock whose holder may still run. */
  | 'StateLockHeld'
  | 'BadArguments'
  /** `state history`: the state's backend keeps no history. */
  | 'HistoryNotKept'
  /** `state history RUN`: no recorded run has that id. */
  | 'RunNotFound';

export class CliError extends StratumError<CliErrorCode> {
  static override readonly marker: string = '@stratum/cli/CliError';

  /** Process exit code for this error (1 unless said otherwise). */
  readonly exitCode: number;
  /** The problems `details` lists, as data, when they are diagnostics (`validate --json` prints them). */
  readonly diagnostics: readonly Diagnostic[];

  constructor(
    code: CliErrorCode,
    message: string,
    options: {
      hint?: string;
      details?: readonly string[];
      exitCode?: number;
      cause?: unknown;
      diagnostics?: readonly Diagnostic[];
    } = {},
  ) {
    super(code, message, { hint: options.hint, details: options.details, cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
    this.diagnostics = options.diagnostics ?? [];
  }
}
