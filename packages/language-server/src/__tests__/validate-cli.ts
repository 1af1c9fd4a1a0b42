import { execFile } from 'node:child_process';
import { basename, dirname, relative } from 'node:path';
import { promisify } from 'node:util';
import { CLI_BIN } from './lsp-client';

/** One problem `stratum validate` printed: where and what (the message without its hint). */
export interface Reported {
  /** 0 when the CLI names no position. */
  line: number;
  column: number;
  /** The code in `[Code]`; attribute problems are listed without one. */
  code: string | undefined;
  text: string;
}

/**
 * Runs the built `stratum validate -c <file>` in the file's directory (or
 * `stratum <args>` in `cwd`: several `-c`, or `-n NAME validate`) and reads
 * back every problem it printed for the file at `path` (and those it names
 * no file for), so the server's diagnostics can be compared with it.
 */
export async function validateWithCli(
  path: string,
  run: { cwd: string; args: string[] } = { cwd: dirname(path), args: ['validate', '-c', basename(path)] },
): Promise<Reported[]> {
  const file = relative(run.cwd, path);
  const result = await promisify(execFile)(process.execPath, [CLI_BIN, ...run.args], {
    cwd: run.cwd,
    env: { ...process.env, NO_COLOR: '1' },
  }).then(
    () => ({ stderr: '' }),
    (error: { stderr: string }) => ({ stderr: error.stderr }),
  );
  const reported: Reported[] = [];
  for (const line of result.stderr.split('\n')) {
    const single = new RegExp(`^Error: ${escapeRegExp(file)}:(\\d+):(\\d+): (.*) \\[(\\w+)\\]$`).exec(line);
    if (single) {
      reported.push({
        line: Number(single[1]),
        column: Number(single[2]),
        code: single[4],
        text: single[3]!,
      });
      continue;
    }
    // The CLI's own refusals (a provider package that does not load) carry their position in the message.
    const positioned = new RegExp(`^Error: ${escapeRegExp(file)}:(\\d+):(\\d+): (.*)$`).exec(line);
    if (positioned) {
      reported.push({
        line: Number(positioned[1]),
        column: Number(positioned[2]),
        code: undefined,
        text: positioned[3]!,
      });
      continue;
    }
    // Planner refusals name resources, not positions: the server puts them on the resources' blocks.
    const unplaced = /^Error: (.*) \[(\w+)\]$/.exec(line);
    if (unplaced) {
      reported.push({ line: 0, column: 0, code: unplaced[2], text: unplaced[1]! });
      continue;
    }
    const listed = new RegExp(`^  ${escapeRegExp(file)}:(\\d+):(\\d+): (.*)$`).exec(line);
    if (listed)
      reported.push({
        line: Number(listed[1]),
        column: Number(listed[2]),
        code: undefined,
        text: listed[3]!,
      });
  }
  return reported;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
