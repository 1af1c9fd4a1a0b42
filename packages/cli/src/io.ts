import type { RedactionMap } from '@stratum/core';

/**
 * Where a command writes and what it knows about its surroundings. Commands
 * never touch `process` directly, so tests can run them in-process and the
 * binary can run them for real.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
  /**
   * Whether to colour what goes to stdout (the plan) and to stderr (errors):
   * see {@link colorFor}. `main` applies `--color` / `--no-color` here.
   */
  color: { out: boolean; err: boolean };
  /**
   * Whether apply may draw its live status line on stderr: only when stderr is
   * a terminal and this is not CI, whatever the colour setting.
   */
  liveProgress: boolean;
  /**
   * Aborted once stdout's reader has gone away (`stratum plan | head -1`): what
   * is written after that is dropped, an apply stops starting steps, and the
   * command exits 141 (128 + SIGPIPE) without a word, as Unix tools do.
   */
  stdoutClosed: AbortSignal;
  /** Resolves once everything written to stdout has been handed over, or stdout has closed. */
  flush(): Promise<void>;
  /**
   * The secrets of the loaded config, set once it is loaded, so that an error
   * reported at the top can still be scrubbed of any plaintext it carries.
   */
  redaction?: RedactionMap | undefined;
}

/** The exit code of a command whose stdout was closed under it: what a shell shows for SIGPIPE. */
export const STDOUT_CLOSED_EXIT = 141;

export function processIo(): CliIo {
  const env = process.env;
  const closed = new AbortController();
  const close = (error: unknown) => {
    if (!closed.signal.aborted) closed.abort(error);
  };
  // Node writes to a pipe asynchronously and reports a reader that went away
  // as an `error` event, which would crash the process unhandled.
  process.stdout.on('error', close);
  // Nothing is left to tell about a stderr that fails; stop writing to it.
  let stderrOpen = true;
  process.stderr.on('error', () => {
    stderrOpen = false;
  });
  return {
    out: (line) => {
      if (!closed.signal.aborted) process.stdout.write(`${line}\n`);
    },
    err: (line) => {
      if (stderrOpen) process.stderr.write(`${line}\n`);
    },
    cwd: process.cwd(),
    env,
    color: { out: colorFor(process.stdout, env), err: colorFor(process.stderr, env) },
    liveProgress: Boolean(process.stderr.isTTY) && !isCi(env) && env.TERM !== 'dumb',
    stdoutClosed: closed.signal,
    flush: () =>
      new Promise((resolve) => {
        if (closed.signal.aborted) return resolve();
        // Written after everything else, so its callback says when the rest is through (or failed).
        process.stdout.write('', (error) => {
          if (error) close(error);
          resolve();
        });
      }),
  };
}

/**
 * An io for running commands in-process (tests, embedding): the given
 * writers, no colour, no live progress, a stdout that never closes.
 */
export function memoryIo(io: Pick<CliIo, 'out' | 'err' | 'cwd' | 'env'>): CliIo {
  return {
    ...io,
    color: { out: false, err: false },
    liveProgress: false,
    stdoutClosed: new AbortController().signal,
    flush: async () => {},
  };
}

/** True when stdout closed because its reader went away (EPIPE), not because a write failed otherwise. */
export function stdoutGone(io: Pick<CliIo, 'stdoutClosed'>): boolean {
  const reason = io.stdoutClosed.aborted ? (io.stdoutClosed.reason as { code?: unknown }) : undefined;
  return reason?.code === 'EPIPE' || reason?.code === 'ERR_STREAM_DESTROYED';
}

/**
 * Whether to colour a stream: `--color` / `--no-color` (the flag) first, then
 * `FORCE_COLOR` (anything but `0` or `false` forces colour, even into a pipe),
 * then `NO_COLOR` (any non-empty value turns it off), else only on a terminal
 * outside CI.
 */
export function colorFor(
  stream: { isTTY?: boolean | undefined },
  env: Record<string, string | undefined>,
  flag?: boolean | undefined,
): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY) && !isCi(env) && env.TERM !== 'dumb';
}

/** `CI` set to anything but "", "0" or "false". */
export function isCi(env: Record<string, string | undefined>): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** ANSI styling that disappears when colour is off. */
export function styler(enabled: boolean) {
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    red: wrap(31, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}
export type Styler = ReturnType<typeof styler>;
