import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StratumError } from './errors';
import { shellQuote } from './shell-quote';

/**
 * Runs `printf %s <quoted>` for every value through one real `/bin/sh` (dash on
 * Debian) and returns what the shell printed for each, split on the NUL bytes
 * the script prints between them (no sample contains NUL).
 */
function roundTripThroughSh(values: string[]): Buffer[] {
  const script = values.map((v) => `printf %s ${shellQuote(v)}; printf '\\000'`).join('\n');
  const run = spawnSync('/bin/sh', ['-c', script], { maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`sh failed (${run.status}): ${run.stderr.toString()}`);
  const out = run.stdout;
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 0) {
      parts.push(out.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

/** Strings rich in what a shell treats specially, plus arbitrary unicode and control bytes. */
const nastyChar = fc.constantFrom(
  "'",
  '"',
  '\\',
  '$',
  '`',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  '*',
  '?',
  '~',
  '!',
  '#',
  '&',
  ';',
  '|',
  '<',
  '>',
  ' ',
  '\t',
  '\n',
  '\r',
  '-',
  '=',
  '%',
  '\u00e9',
  '\u{1F600}',
  '\u200b',
);
const shellString = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'binary-ascii', maxLength: 40 }),
    fc.string({ unit: nastyChar, maxLength: 40 }),
    fc.constantFrom(
      '',
      '-n',
      '--',
      '-e \\n',
      "'",
      "''",
      '$(id)',
      '`id`',
      '${HOME}',
      '~',
      '~root',
      'a=b',
      '*',
    ),
  )
  .filter((s) => !s.includes('\0'));

describe('shellQuote', () => {
  it('keeps safe words bare and quotes the rest', () => {
    expect(shellQuote('/etc/motd')).toBe('/etc/motd');
    expect(shellQuote('user@host:22')).toBe('user@host:22');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('a=b')).toBe("'a=b'");
    expect(shellQuote('~')).toBe("'~'");
  });

  it('refuses NUL, which no shell word can hold', () => {
    let caught: unknown;
    try {
      shellQuote('a\0b');
    } catch (err) {
      caught = err;
    }
    expect(StratumError.hasCode(caught, 'ShellQuoteNul')).toBe(true);
  });

  it('survives a round trip through the real /bin/sh byte for byte (fuzzed, batched)', () => {
    fc.assert(
      fc.property(fc.array(shellString, { minLength: 1, maxLength: 40 }), (values) => {
        const printed = roundTripThroughSh(values);
        expect(printed).toHaveLength(values.length);
        values.forEach((value, i) => {
          expect(printed[i]!.equals(Buffer.from(value, 'utf8'))).toBe(true);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('yields exactly one word, whatever the value', () => {
    fc.assert(
      fc.property(fc.array(shellString, { minLength: 1, maxLength: 20 }), (values) => {
        // `$#` counts the words the shell saw after `--`.
        const script = `set -- ${values.map(shellQuote).join(' ')}; printf %s "$#"`;
        const run = spawnSync('/bin/sh', ['-c', script]);
        expect(run.stdout.toString()).toBe(String(values.length));
      }),
      { numRuns: 100 },
    );
  });
});
