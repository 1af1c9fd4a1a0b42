import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from './errors';

/**
 * `--env-file` and `.env` auto-load, by the spec's rules:
 * - no `--env-file` at all: load `./.env` when it exists, silently skip when not;
 * - one or more `--env-file`: only those, each must exist and parse;
 * - the process environment always wins over files;
 * - among files, the first one to set a variable wins.
 *
 * The result is a new environment for secret resolution; `process.env` is not
 * modified, so nothing else in the process sees values it did not ask for.
 */
export interface EnvLoadResult {
  env: Record<string, string | undefined>;
  /** Files that were read, in order (the CLI prints `[env] loaded <path>` for each). */
  loaded: string[];
}

export function loadEnvFiles(
  explicit: readonly string[] | undefined,
  options: { cwd: string; processEnv: Record<string, string | undefined> },
): EnvLoadResult {
  const paths: string[] = [];
  if (explicit && explicit.length > 0) {
    for (const path of explicit) {
      const abs = resolve(options.cwd, path);
      if (!existsSync(abs)) {
        throw new CliError('EnvFileMissing', `env file ${path} does not exist`, {
          hint: 'check the --env-file path; only files named with --env-file are loaded when the flag is given',
        });
      }
      paths.push(path);
    }
  } else if (existsSync(resolve(options.cwd, '.env'))) {
    paths.push('.env');
  }

  const fromFiles: Record<string, string> = {};
  for (const path of paths) {
    const vars = parseEnvFile(readFileSync(resolve(options.cwd, path), 'utf8'), path);
    for (const [key, value] of Object.entries(vars)) {
      if (!(key in fromFiles)) fromFiles[key] = value;
    }
  }
  const env: Record<string, string | undefined> = { ...fromFiles };
  for (const [key, value] of Object.entries(options.processEnv)) {
    if (value !== undefined) env[key] = value;
  }
  return { env, loaded: paths };
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses `.env` syntax: `KEY=value`, optional `export `, `#` comments, blank
 * lines, single-quoted (literal) and double-quoted (`\n \r \t \" \\` escapes)
 * values, and ` #` comments after unquoted values. Errors name `file:line` but
 * never echo the line (it may hold a credential).
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const body = line.startsWith('export ') ? line.slice('export '.length).trimStart() : line;
    const eq = body.indexOf('=');
    const key = eq === -1 ? body : body.slice(0, eq).trim();
    if (eq === -1 || !KEY.test(key)) {
      throw new CliError('EnvFileSyntax', `${file}:${index + 1}: expected KEY=value`, {
        hint: 'each line of an env file is KEY=value, a # comment, or blank',
      });
    }
    out[key] = parseValue(body.slice(eq + 1).trim(), file, index + 1);
  });
  return out;
}

function parseValue(value: string, file: string, line: number): string {
  const quote = value[0];
  if (quote === "'" || quote === '"') {
    const end = findClosingQuote(value, quote);
    if (end === -1) {
      throw new CliError('EnvFileSyntax', `${file}:${line}: unterminated ${quote} quote`, {
        hint: 'close the quote on the same line',
      });
    }
    const inner = value.slice(1, end);
    return quote === "'" ? inner : unescapeDouble(inner);
  }
  const comment = value.search(/\s#/);
  return (comment === -1 ? value : value.slice(0, comment)).trim();
}

function findClosingQuote(value: string, quote: string): number {
  for (let i = 1; i < value.length; i++) {
    if (quote === '"' && value[i] === '\\') {
      i++;
      continue;
    }
    if (value[i] === quote) return i;
  }
  return -1;
}

function unescapeDouble(inner: string): string {
  return inner.replace(/\\([nrt"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}
