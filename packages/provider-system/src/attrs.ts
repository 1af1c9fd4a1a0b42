import type { JsonObject, JsonValue } from '@stratum/core';
import { StratumError } from '@stratum/core';
import { z } from 'zod';

/** The ssh target every kind runs on: `user@addr`, an ssh config alias, ... */
export const hostSchema = z.string().min(1, 'host must not be empty');

/** An absolute path on the host. Relative paths would land in the login user's home by accident. */
export const absolutePathSchema = z
  .string()
  .regex(/^\//, 'expected an absolute path (starting with "/")')
  .refine((path) => !path.includes('\0'), 'a path cannot contain a NUL byte');

/** A user or group name (or numeric id) as `install -o` / `chown` take it. */
export const accountSchema = z
  .string()
  .min(1)
  .regex(/^[^:\s]+$/, 'expected a user or group name without ":" or whitespace');

/** The prior attrs as an object (state may hold anything; a non-object reads as empty). */
export function priorObject(prior: JsonValue | undefined): JsonObject {
  return prior !== null && typeof prior === 'object' && !Array.isArray(prior) ? prior : {};
}

/** A string field of the prior attrs, or undefined. */
export function priorString(prior: JsonValue | undefined, key: string): string | undefined {
  const value = priorObject(prior)[key];
  return typeof value === 'string' ? value : undefined;
}

/** `<kind>.<name>`, how messages name a resource. */
export function addrOf(request: { kind: string; name: string }): string {
  return `${request.kind}.${request.name}`;
}

/** Drops undefined members so the value is a JSON object. */
export function compact(record: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out;
}

/** The `host` of a resource's prior state; reads and deletes cannot start without it. */
export function priorHost(request: { kind: string; name: string; prior: JsonValue }): string {
  const host = priorString(request.prior, 'host');
  if (host === undefined) throw invalidState(request, 'host');
  return host;
}

/** The host and path a file-like resource's prior state names. */
export function priorTarget(request: { kind: string; name: string; prior: JsonValue }): {
  host: string;
  path: string;
} {
  const host = priorHost(request);
  const path = priorString(request.prior, 'path');
  if (path === undefined) throw invalidState(request, 'path');
  return { host, path };
}

function invalidState(request: { kind: string; name: string }, field: string): StratumError<'InvalidState'> {
  return new StratumError(
    'InvalidState',
    `${addrOf(request)}: the state entry has no ${field}, so the resource cannot be read or deleted`,
    { hint: 'Remove the entry from the state file by hand if the resource no longer exists on the host.' },
  );
}
