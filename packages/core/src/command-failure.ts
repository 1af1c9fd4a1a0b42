import { StratumError } from './errors';

/**
 * What providers need when a command on a host fails: the tail of its output
 * (an error message must stay readable) and one error type that names the
 * resource, the host, the step and the exit code.
 */

const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

/** The last lines of `text` (default 20, at most 2000 characters), trailing blanks dropped. */
export function outputTail(text: string, lines = TAIL_LINES): string {
  const all = text.split('\n').map((l) => l.trimEnd());
  while (all.length > 0 && all[all.length - 1] === '') all.pop();
  const kept = all.slice(-lines).join('\n');
  return kept.length > TAIL_CHARS ? `…${kept.slice(-TAIL_CHARS)}` : kept;
}

/** The last non-empty line of `text`, trimmed; '' when there is none. */
export function lastLine(text: string): string {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line !== '') return line;
  }
  return '';
}

export interface CommandFailedDetails {
  /** The resource address, `<kind>.<name>`. */
  resource: string;
  host: string;
  /** What was being done, in words (`apt-get install docker.io`); never the command line (it may carry secrets). */
  step: string;
  exitCode: number;
  /** What the command printed (stderr, or stdout when stderr was empty); the message keeps its tail. Scrub secrets first. */
  output: string;
  hint?: string | undefined;
  /** Extra diagnostics appended to the message (e.g. `systemctl status` output). */
  detail?: string | undefined;
}

/** A command a provider ran on a host exited non-zero. */
export class CommandFailedError extends StratumError<'CommandFailed'> {
  static override readonly marker: string = '@stratum/core/CommandFailedError';

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
      { hint: details.hint ?? 'fix the cause shown above on the host or in the config, then apply again' },
    );
    this.name = 'CommandFailedError';
    this.resource = details.resource;
    this.host = details.host;
    this.step = details.step;
    this.exitCode = details.exitCode;
    this.output = output;
  }
}
