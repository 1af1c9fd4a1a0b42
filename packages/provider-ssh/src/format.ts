import type { ExecResult } from '@stratum/core';
import { commandSummary } from './errors';

/**
 * The message a provider shows when a command it ran exited non-zero:
 * "command `<first line>` failed (exit N): <last 20 lines of stderr>", falling
 * back to stdout when stderr is empty. The command is shown by its first line
 * only, so a long script does not flood the message.
 */
export function formatCommandFailure(result: ExecResult, command: string, tailLines = 20): string {
  const output = result.stderr.trim() !== '' ? result.stderr : result.stdout;
  const lines = output.replace(/\s+$/, '').split('\n');
  const tail = lines.slice(-tailLines).join('\n');
  const cut = lines.length > tailLines ? `(last ${tailLines} of ${lines.length} lines)\n` : '';
  const body = tail === '' ? '(no output)' : tail.includes('\n') || cut ? `\n${cut}${tail}` : tail;
  return `command \`${commandSummary(command)}\` failed (exit ${result.exitCode}): ${body}`;
}
