import type { ExecResult, ProviderContext } from '@stratum/core';
import { DockerError } from './errors';
import { maskValues, tail } from './output';

/** What a command is, for the error message when it fails. */
export interface CommandTarget {
  kind: string;
  /** Resource name (config label). */
  resource: string;
  host: string;
  /** A few words naming the step, e.g. `docker run`; never the command line itself. */
  step: string;
  /** Values to mask in stderr before it reaches an error (env values, build args, command tokens). */
  sensitive?: readonly string[] | undefined;
  /** What the operator can do when the step fails. */
  hint?: string | undefined;
  timeoutMs?: number | undefined;
}

/**
 * Runs `command` on the target's host and returns its result when it exits 0.
 * A non-zero exit becomes a {@link DockerError} `DockerCommandFailed` carrying
 * the stderr tail (masked) — the command line is never included because it may
 * hold secret plaintext.
 */
export async function runChecked(
  ctx: ProviderContext,
  target: CommandTarget,
  command: string,
): Promise<ExecResult> {
  const result = await ctx.transport.exec(target.host, command, {
    signal: ctx.signal,
    timeoutMs: target.timeoutMs,
  });
  if (result.exitCode === 0) return result;
  throw commandFailed(target, result);
}

/** The error for a failed step, with the masked stderr tail (stdout when stderr is empty). */
export function commandFailed(target: CommandTarget, result: ExecResult): DockerError {
  const raw = result.stderr.trim() !== '' ? result.stderr : result.stdout;
  const stderrTail = maskValues(tail(raw), target.sensitive ?? []);
  const detail = stderrTail === '' ? '' : `:\n${stderrTail}`;
  return new DockerError(
    'DockerCommandFailed',
    `${target.kind} \`${target.resource}\` on ${target.host}: ${target.step} failed (exit ${result.exitCode})${detail}`,
    {
      kind: target.kind,
      resource: target.resource,
      host: target.host,
      exitCode: result.exitCode,
      stderrTail,
      hint:
        target.hint ??
        'read the docker error above, fix the cause on the host or in the config, and apply again',
    },
  );
}
