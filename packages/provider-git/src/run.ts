import type { ExecResult, ProviderContext } from '@stratum/core';
import { GitError } from './errors';

const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

/** The last non-empty lines of `text` (at most 20 lines / 2000 characters). */
export function tail(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const kept = lines.slice(-TAIL_LINES).join('\n');
  return kept.length > TAIL_CHARS ? `…${kept.slice(-TAIL_CHARS)}` : kept;
}

/** The last non-empty line of `text`, trimmed. */
export function lastLine(text: string): string {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line !== '') return line;
  }
  return '';
}

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
