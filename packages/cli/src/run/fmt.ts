import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { format } from '@stratum/config';
import { CliError } from '../errors';
import type { CliIo } from '../io';

/**
 * `stratum fmt [FILES...] [--check]`: rewrites `.strat` files in the canonical
 * layout (comments kept). Without files: every `.strat` below the working
 * directory. `--check` changes nothing and fails listing the files that would change.
 */
export async function runFmt(
  flags: { files?: string[] | undefined; check?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  const files =
    flags.files && flags.files.length > 0
      ? flags.files.flatMap((f) => expand(f, io))
      : findStratFiles(io.cwd);
  const changed: string[] = [];
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const formatted = format(source, file);
    if (formatted === source) continue;
    changed.push(relative(io.cwd, file) || file);
    if (!flags.check) writeFileSync(file, formatted);
  }
  if (flags.check && changed.length > 0) {
    throw new CliError(
      'FormatCheckFailed',
      `${changed.length} file${changed.length === 1 ? ' is' : 's are'} not formatted:`,
      {
        details: changed.map((f) => `  ${f}`),
        hint: 'run `stratum fmt` to rewrite them',
      },
    );
  }
  for (const file of changed) io.out(file);
  return 0;
}

/** A named file as it is; a named directory as every `.strat` below it. */
function expand(given: string, io: CliIo): string[] {
  const path = resolve(io.cwd, given);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    throw new CliError('BadArguments', `cannot format ${given}: no such file or directory`, {
      hint: 'name .strat files or directories that hold them',
    });
  }
  return isDirectory ? findStratFiles(path) : [path];
}

function findStratFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.') || entry === 'node_modules') continue;
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) out.push(...findStratFiles(path));
    else if (entry.endsWith('.strat')) out.push(path);
  }
  return out.sort();
}
