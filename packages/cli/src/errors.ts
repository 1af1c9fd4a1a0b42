// The error base alone: `--help` and usage errors start without loading the engine (and zod).
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

  constructor(
    code: CliErrorCode,
    message: string,
    options: { hint?: string; details?: readonly string[]; exitCode?: number; cause?: unknown } = {},
  ) {
    super(code, message, { hint: options.hint, details: options.details, cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
  }
}
