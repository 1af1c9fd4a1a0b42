import { relative } from 'node:path';
import { ConfigError } from '@stratum/config';
import { type RedactionMap, StratumError, scrubText } from '@stratum/core';
import { CliError } from './errors';
import type { CliIo, Styler } from './io';

/**
 * Turns any error into what the operator reads: a title, the detail (a code
 * frame for config errors), and a hint — never a stack trace unless
 * `--verbose`. Every line passes through the redaction map first: a provider's
 * stderr could echo a secret.
 */
export function reportError(
  error: unknown,
  io: CliIo,
  options: { verbose?: boolean | undefined; redaction?: RedactionMap | undefined; style: Styler },
): number {
  const { style } = options;
  const clean = (text: string) => (options.redaction ? scrubText(text, options.redaction) : text);
  const lines: string[] = [];
  let exitCode = 1;

  if (ConfigError.isInstance(error) || StratumError.hasCode(error, 'ParseError')) {
    const e = error as ConfigError;
    const where = e.file ? relative(io.cwd, e.file) || e.file : '<input>';
    const at = e.line > 0 ? `${where}:${e.line}:${e.column}` : where;
    lines.push(`${style.red('Error:')} ${at}: ${e.message} ${style.dim(`[${e.code}]`)}`);
    const frame = typeof e.frame === 'function' ? e.frame() : '';
    if (frame) lines.push(frame);
  } else if (CliError.isInstance(error)) {
    lines.push(`${style.red('Error:')} ${error.message}`);
    lines.push(...error.details);
    exitCode = error.exitCode;
  } else if (StratumError.isInstance(error) && error.details.length > 0) {
    // A refusal that lists what it is about reads like the CLI's own: the list says more than a code.
    lines.push(`${style.red('Error:')} ${error.message}`);
    lines.push(...error.details);
  } else if (StratumError.isInstance(error)) {
    lines.push(`${style.red('Error:')} ${error.message} ${style.dim(`[${error.code}]`)}`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    lines.push(`${style.red('Error:')} internal error: ${message}`);
    lines.push(
      'This is a bug in stratum; please report it with the command you ran (re-run with --verbose for the stack).',
    );
  }
  const hint = StratumError.isInstance(error) ? error.hint : undefined;
  if (hint) lines.push(`${style.cyan('hint:')} ${hint}`);
  if (options.verbose && error instanceof Error && error.stack) lines.push(style.dim(error.stack));
  for (const line of lines) io.err(clean(line));
  return exitCode;
}
