import { StratumError } from '@stratum/core';

const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

/** The last lines of a command's output, trimmed to a size a terminal can show. */
export function outputTail(output: string, lines = TAIL_LINES): string {
  const tail = output.replace(/\s+$/, '').split('\n').slice(-lines).join('\n');
  return tail.length > TAIL_CHARS ? `…${tail.slice(-TAIL_CHARS)}` : tail;
}

export interface CommandFailedDetails {
  /** The resource address, `<kind>.<name>`. */
  resource: string;
  host: string;
  /** What was being done, in words; never the command line itself (it may carry secrets). */
  step: string;
  exitCode: number;
  /** What the command printed; the message keeps its tail. Scrub secrets before passing it. */
  output: string;
  hint?: string | undefined;
}

/**
 * A command an ssh kind ran exited non-zero. Names the resource, the host, the
 * step, the exit code and the tail of the command's output.
 */
export class CommandFailedError extends StratumError<'CommandFailed'> {
  readonly resource: string;
  readonly host: string;
  readonly step: string;
  readonly exitCode: number;
  readonly output: string;

  constructor(details: CommandFailedDetails) {
    const output = outputTail(details.output);
    super(
      'CommandFailed',
      `${details.resource}: ${details.step} failed on ${details.host} (exit ${details.exitCode}):\n${output === '' ? '(no output)' : output}`,
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
