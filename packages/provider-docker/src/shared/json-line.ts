/**
 * Reading docker's `--format '{{json .}}'` documents. Pure: no I/O.
 */

/**
 * The first line of `output` that parses as a JSON object. Docker prints the
 * `--format '{{json .}}'` document on one line, but stderr is folded into a
 * probe's output, so warnings may come before it.
 */
export function firstJsonObject(output: string): Record<string, unknown> | undefined {
  for (const line of output.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{')) continue;
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value === 'object' && value !== null && !Array.isArray(value))
        return value as Record<string, unknown>;
    } catch {
      // Not JSON after all (a warning that starts with `{`): keep looking.
    }
  }
  return undefined;
}

/** The JSON object behind a field of a docker document, or an empty one. */
export function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
