import { z } from 'zod';

/**
 * The attribute schemas most kinds share. Using these keeps messages the same
 * across providers (`expected an absolute path (starting with "/")`).
 */

/** The ssh target a resource lives on: `user@addr`, an ssh config alias, ... */
export const hostSchema = z.string().min(1, 'host must not be empty');

/** An absolute path on the host. Relative paths would land in the login user's home by accident. */
export const absolutePathSchema = z
  .string()
  .regex(/^\//, 'expected an absolute path (starting with "/")')
  .refine((path) => !path.includes('\0'), 'a path cannot contain a NUL byte');

/**
 * A file mode as `install -m` and `chmod` take it: `644`, `0644`, `4755`.
 * State keeps the spelling the config used; compare with {@link sameMode}.
 */
export const octalModeSchema = z
  .string()
  .regex(/^[0-7]{3,4}$/, 'expected an octal mode of 3 or 4 digits, e.g. "0644"');

/** A user or group name (or numeric id) as `install -o` and `chown` take it. */
export const accountSchema = z
  .string()
  .min(1)
  .regex(/^[^:\s]+$/, 'expected a user or group name without ":" or whitespace');

/** An environment variable name, as a shell can export it. */
export const envNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)');
