import { z } from 'zod';

/** The SSH target every docker kind runs on. */
export const hostSchema = z.string().min(1);

/** A docker object name (network, container): docker's own charset, so a typo is caught at plan time. */
export const dockerNameSchema = z
  .string()
  .regex(
    /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
    'must be a docker name: letters, digits, `_`, `.`, `-`, not starting with a symbol',
  );

/** Reads a string field of a JSON value that may be anything (state written by any version). */
export function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}

/** The JSON object behind `value`, or an empty one. */
export function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
