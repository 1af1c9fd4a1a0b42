/**
 * Small helpers for reading command output. Pure: no I/O.
 */

const TAIL_LINES = 20;
const TAIL_CHARS = 2000;

/** The last non-empty lines of `text` (at most 20 lines / 2000 characters), trimmed. */
export function tail(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const kept = lines.slice(-TAIL_LINES).join('\n');
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
