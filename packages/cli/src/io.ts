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
  /** Colour and live progress only when stdout is a terminal and not in CI. */
  isTTY: boolean;
  /**
   * The secrets of the loaded config, set once it is loaded, so that an error
   * reported at the top can still be scrubbed of any plaintext it carries.
   */
  redaction?: RedactionMap | undefined;
}

export function processIo(): CliIo {
  const isTTY = Boolean(process.stdout.isTTY) && !process.env.CI && process.env.NO_COLOR === undefined;
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    cwd: process.cwd(),
    env: process.env,
    isTTY,
  };
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
