import type { ExecResult, ProviderContext } from '@stratum/core';
import { lastLine, outputTail as tail } from '@stratum/core';
import { GitError } from './errors';

export { lastLine, tail };

export interface GitTarget {
  resource: string;
  host: string;
  path: string;
  /** A few words naming the step (`git clone`); never the command line. */
  step: string;
  hint?: string | undefined;
  timeoutMs?: number | undefined;
}

/**
 * Runs `command` on the target's host; a non-zero exit becomes a
 * {@link GitError} `GitCommandFailed` with the stderr tail.
 */
export async function runChecked(
  ctx: ProviderContext,
  target: GitTarget,
  command: string,
): Promise<ExecResult> {
  const result = await ctx.transport.exec(target.host, command, {
    signal: ctx.signal,
    timeoutMs: target.timeoutMs,
  });
  if (result.exitCode === 0) return result;
  const stderrTail = tail(result.stderr.trim() === '' ? result.stdout : result.stderr);
  throw new GitError(
    'GitCommandFailed',
    `git_repo \`${target.resource}\` on ${target.host}:${target.path}: ${target.step} failed (exit ${result.exitCode})` +
      (stderrTail === '' ? '' : `:\n${stderrTail}`),
    {
      resource: target.resource,
      host: target.host,
      path: target.path,
      exitCode: result.exitCode,
      stderrTail,
      hint:
        target.hint ??
        'check that the host can reach the remote with its own credentials (stratum injects none) and that the ref exists',
    },
  );
}
