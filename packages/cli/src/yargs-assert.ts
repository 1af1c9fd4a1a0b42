/**
 * What the bundled yargs takes for `node:assert` (tsup.config.ts): its two
 * internal sanity checks, `notStrictEqual` and `strictEqual`. Loading
 * node:assert itself costs every start ~2 ms (it pulls in the assertion
 * error's diff and colour modules), for checks that fail only on a bug in
 * yargs. Same comparison (`Object.is`, as node:assert's strict forms use).
 */

export function notStrictEqual(actual: unknown, expected: unknown, message?: string): void {
  if (Object.is(actual, expected)) throw new Error(message ?? `yargs: did not expect ${describe(actual)}`);
}

export function strictEqual(actual: unknown, expected: unknown, message?: string): void {
  if (!Object.is(actual, expected))
    throw new Error(message ?? `yargs: expected ${describe(expected)}, got ${describe(actual)}`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
