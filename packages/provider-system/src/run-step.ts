import type { ExecOptions, ExecResult, ProviderContext } from '@stratum/core';
import { CommandFailedError } from '@stratum/core';

export interface StepOptions {
  /** The resource address, for error messages. */
  resource: string;
  host: string;
  /** What the command does, in words; shown when it fails. */
  step: string;
  stdin?: ExecOptions['stdin'];
  timeoutMs?: number | undefined;
  hint?: string | undefined;
}

/** Runs one mutation on a host; a non-zero exit becomes a {@link CommandFailedError}. */
export async function runStep(
  ctx: ProviderContext,
  command: string,
  options: StepOptions,
): Promise<ExecResult> {
  const result = await runLoose(ctx, command, options);
  if (result.exitCode !== 0) {
    throw new CommandFailedError({
      resource: options.resource,
      host: options.host,
      step: options.step,
      exitCode: result.exitCode,
      output: result.stderr.trim() === '' ? result.stdout : result.stderr,
      hint: options.hint,
    });
  }
  return result;
}

/** Runs a command whose exit code the caller inspects itself (best-effort steps, polls). */
export function runLoose(
  ctx: ProviderContext,
  command: string,
  options: Pick<StepOptions, 'host' | 'stdin' | 'timeoutMs'>,
): Promise<ExecResult> {
  return ctx.transport.exec(options.host, command, {
    stdin: options.stdin,
    timeoutMs: options.timeoutMs,
    signal: ctx.signal,
  });
}
