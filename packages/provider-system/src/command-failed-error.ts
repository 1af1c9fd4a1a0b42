import { StratumError } from '@stratum/core';

/** How much of a failed command's output an error message carries. */
const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

/** The last lines of a command's output, trimmed to a size a terminal can show. */
export function outputTail(output: string, lines = TAIL_LINES): string {
  const trimmed = output.replace(/\s+$/, '');
  const tail = trimmed.split('\n').slice(-lines).join('\n');
  return tail.length > TAIL_CHARS ? `…${tail.slice(-TAIL_CHARS)}` : tail;
}

export interface CommandFailedDetails {
  /** The resource address, `<kind>.<name>`. */
  resource: string;
  host: string;
  /** What was being done, in words (`apt-get install docker.io`); never carries secret values. */
  step: string;
  exitCode: number;
  /** The tail of the command's stderr (or stdout when stderr was empty). */
  output: string;
  hint?: string | undefined;
  /** Extra diagnostics appended to the message (e.g. `systemctl status` output). */
  detail?: string | undefined;
}

/**
 * A command on a host exited non-zero. Carries the resource, the host, the step
 * that failed, its exit code and the tail of what it printed.
 */
export class CommandFailedError extends StratumError<'CommandFailed'> {
  readonly resource: string;
  readonly host: string;
  readonly step: string;
  readonly exitCode: number;
  readonly output: string;

  constructor(details: CommandFailedDetails) {
    const output = outputTail(details.output);
    const body = output === '' ? '(no output)' : output;
    const detail = details.detail === undefined || details.detail === '' ? '' : `\n${details.detail}`;
    super(
      'CommandFailed',
      `${details.resource}: ${details.step} failed on ${details.host} (exit ${details.exitCode}):\n${body}${detail}`,
      { hint: details.hint ?? 'Fix the cause shown above on the host or in the config, then apply again.' },
    );
    this.name = 'CommandFailedError';
    this.resource = details.resource;
    this.host = details.host;
    this.step = details.step;
    this.exitCode = details.exitCode;
    this.output = output;
  }
}
