/** Values shorter than this are too common as text (`1`, `yes`) to be worth masking. */
const MIN_MASKED_LENGTH = 4;

/**
 * Replaces every occurrence of each of `values` in `text` with `***`, longest
 * first. For command output on its way into an error or a warning: a command
 * may echo back an argument or an env value the config did not mark secret.
 */
export function maskValues(text: string, values: Iterable<string>): string {
  const sorted = [...new Set(values)]
    .filter((value) => value.length >= MIN_MASKED_LENGTH)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of sorted) out = out.replaceAll(value, '***');
  return out;
}
