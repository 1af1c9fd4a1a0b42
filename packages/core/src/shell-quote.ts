import { StratumError } from './errors';

/**
 * Characters that mean nothing to a POSIX shell inside a word, so a value made
 * only of them can stay bare. `=` is left out on purpose: a bare `A=b` in
 * command position would be taken as an assignment. `~` is left out because
 * it expands at the start of a word.
 */
const SAFE_WORD = /^[A-Za-z0-9_@%+:,./-]+$/;

/**
 * Quote `value` as one POSIX `sh` word that the shell turns back into exactly
 * `value`: no expansion, no splitting, no globbing.
 *
 * Values made only of safe characters stay bare (`/etc/motd`); everything else
 * is wrapped in single quotes, with each embedded `'` written as `'\''`.
 * The empty string becomes `''`. Build every command that carries a value from
 * configuration with this, never by pasting the value in.
 *
 * @throws StratumError `ShellQuoteNul` when `value` contains a NUL byte, which no
 *   shell word (nor any argv entry) can carry.
 */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (value.includes('\0')) {
    throw new StratumError('ShellQuoteNul', 'cannot quote a value containing a NUL byte for the shell', {
      hint: 'NUL cannot appear in a command line; pass such data through stdin instead.',
    });
  }
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
