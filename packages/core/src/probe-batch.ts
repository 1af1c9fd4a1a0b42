import { randomBytes } from 'node:crypto';
import { shellQuote } from './shell-quote';

/**
 * The wire format of a probe batch: many probes' shell snippets run as one
 * script in one round trip, their outputs told apart by sentinel lines.
 *
 * ```sh
 * printf '__STRATUM_PROBE_%s begin\n' '<nonce>'
 * ( eval '<probe 0>' ) </dev/null 2>&1
 * printf '\n__STRATUM_PROBE_%s %d %d\n' '<nonce>' 0 "$?"
 * ( eval '<probe 1>' ) </dev/null 2>&1
 * printf '\n__STRATUM_PROBE_%s %d %d\n' '<nonce>' 1 "$?"
 * ```
 *
 * Why each piece:
 * - the nonce is random per run, so a probe's output can only forge a sentinel
 *   if it knows the nonce; and the prefix and nonce are joined by `printf`, so
 *   the sentinel text never appears in the script itself (a probe that prints
 *   the running script, or `ps` output, cannot produce one either);
 * - `eval` of the quoted snippet inside a subshell confines everything a probe
 *   does — `exit`, `cd`, variables, even a syntax error — to that probe;
 * - stdin from /dev/null, so a probe that reads stdin neither hangs nor eats
 *   the rest of the script (the batch is fed to `sh -s` on stdin);
 * - the sentinel starts with a newline of its own, so a probe whose output
 *   lacks a trailing newline is still recovered byte for byte: the parser
 *   removes exactly that one added newline;
 * - the `begin` line marks where the script's own output starts, so anything a
 *   login shell prints first (a banner from a dotfile) is not taken for
 *   probe 0's output.
 */

const PREFIX = '__STRATUM_PROBE_';

/** The command a probe batch is run with; the script itself goes to its stdin. */
export const PROBE_BATCH_COMMAND = 'sh -s';

/** A fresh random nonce for one batch run. */
export function newProbeNonce(): string {
  return randomBytes(12).toString('hex');
}

/** The batch script running `scripts` in order. `nonce` must be hex (see {@link newProbeNonce}). */
export function buildProbeScript(scripts: readonly string[], nonce: string): string {
  if (!/^[0-9a-f]+$/.test(nonce))
    throw new Error(`probe nonce must be lowercase hex, got ${JSON.stringify(nonce)}`);
  const lines = [`printf '${PREFIX}%s begin\\n' '${nonce}'`];
  scripts.forEach((script, index) => {
    lines.push(`( eval ${shellQuote(script)} ) </dev/null 2>&1`);
    lines.push(`printf '\\n${PREFIX}%s %d %d\\n' '${nonce}' ${index} "$?"`);
  });
  return `${lines.join('\n')}\n`;
}

/** What one probe of a batch produced. */
export interface ProbeRun {
  /** Its stdout and stderr, interleaved as written, byte for byte. */
  readonly output: string;
  readonly exitCode: number;
}

/** The result of splitting a batch's output. */
export interface SplitProbeOutput {
  /** One entry per probe, in order; undefined for probes that did not report (the script stopped first). */
  readonly runs: readonly (ProbeRun | undefined)[];
  /** False when the `begin` line was missing: the script did not start at all. */
  readonly started: boolean;
}

/**
 * Splits the stdout of a batch script of `count` probes. Robust against probe
 * output without a trailing newline, output that imitates sentinels without the
 * nonce, and a script that stopped early (those probes get `undefined`).
 */
export function splitProbeOutput(stdout: string, nonce: string, count: number): SplitProbeOutput {
  const runs: (ProbeRun | undefined)[] = new Array(count).fill(undefined);
  const begin = `${PREFIX}${nonce} begin\n`;
  const beginAt = stdout.indexOf(begin);
  if (beginAt === -1) return { runs, started: false };
  let pos = beginAt + begin.length;
  for (let index = 0; index < count; index++) {
    const needle = `\n${PREFIX}${nonce} ${index} `;
    const at = stdout.indexOf(needle, pos);
    if (at === -1) break;
    const rest = stdout.slice(at + needle.length, at + needle.length + 12);
    const code = /^(\d{1,10})(?:\n|$)/.exec(rest);
    if (code === null) break;
    runs[index] = { output: stdout.slice(pos, at), exitCode: Number(code[1]) };
    pos = at + needle.length + code[0].length;
  }
  return { runs, started: true };
}

/**
 * The stdout a shell produces running a batch whose probes produced `runs`
 * (the inverse of {@link splitProbeOutput}); for fake transports and tests.
 */
export function renderProbeOutput(nonce: string, runs: readonly ProbeRun[]): string {
  let out = `${PREFIX}${nonce} begin\n`;
  runs.forEach((run, index) => {
    out += `${run.output}\n${PREFIX}${nonce} ${index} ${run.exitCode}\n`;
  });
  return out;
}

/** A batch script taken apart again: for test transports that answer each probe separately. */
export interface DecodedProbeScript {
  readonly nonce: string;
  readonly scripts: readonly string[];
}

/**
 * Recovers the nonce and the probe snippets from a script {@link buildProbeScript}
 * made; undefined for any other text. Lets a fake transport answer probe by
 * probe and assemble the batch output as a real shell would.
 */
export function decodeProbeScript(script: string): DecodedProbeScript | undefined {
  const lines = script.split('\n');
  const begin = /^printf '__STRATUM_PROBE_%s begin\\n' '([0-9a-f]+)'$/.exec(lines[0] ?? '');
  if (begin === null) return undefined;
  const nonce = begin[1]!;
  const scripts: string[] = [];
  // A quoted snippet may span lines; rebuild each probe line up to its sentinel.
  let i = 1;
  while (i < lines.length && lines[i] !== '') {
    const sentinel = `printf '\\n${PREFIX}%s %d %d\\n' '${nonce}' ${scripts.length} "$?"`;
    let end = i;
    while (end < lines.length && lines[end] !== sentinel) end++;
    if (end === lines.length) return undefined;
    const body = lines.slice(i, end).join('\n');
    const match = /^\( eval (.*) \) <\/dev\/null 2>&1$/s.exec(body);
    if (match === null) return undefined;
    const unquoted = unquoteWord(match[1]!);
    if (unquoted === undefined) return undefined;
    scripts.push(unquoted);
    i = end + 1;
  }
  return { nonce, scripts };
}

/** Inverse of `shellQuote` for the words it produces (bare safe words, or `'...'` with `'\''`). */
function unquoteWord(word: string): string | undefined {
  if (!word.startsWith("'")) return /^[A-Za-z0-9_@%+:,./-]+$/.test(word) ? word : undefined;
  if (!word.endsWith("'") || word.length < 2) return undefined;
  return word.slice(1, -1).replaceAll(`'\\''`, "'");
}
