/**
 * Small helpers for reading command output. Pure: no I/O.
 */

import { lastLine, outputTail as tail } from '@stratum/core';

export { lastLine, tail };

/** The non-empty lines of `text`, trimmed. */
export function nonEmptyLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * Replaces every occurrence of each of `values` in `text` with `***`. Used on
 * stderr before it goes into an error: docker may echo an argument back, and
 * arguments can be secret plaintext. Values shorter than 4 characters are left
 * alone — masking `1` or `on` would shred the message and hide nothing.
 */
export function maskValues(text: string, values: Iterable<string>): string {
  const sorted = [...new Set(values)].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of sorted) out = out.replaceAll(value, '***');
  return out;
}
