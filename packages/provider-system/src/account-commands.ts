import { shellQuote } from '@stratum/core/kit';
import { z } from 'zod';

/** A user or group name as `useradd` and `groupadd` take it (Debian's default NAME_REGEX, relaxed to allow capitals). */
export const accountNameSchema = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/,
    'expected a user or group name: a letter or "_", then letters, digits, "_", "." or "-" (at most 32)',
  );

/** A numeric user or group id. */
export const accountIdSchema = z.number().int().min(0).max(4294967294);

/** `<flag> <quoted value>` when the value is set, nothing otherwise. */
export function flag(name: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [name, shellQuote(String(value))];
}

/** `getent <db> <name>` found nothing: exit 2. Anything else is an error of the read. */
export const GETENT_MISSING = 2;
