import type { JsonObject, JsonValue } from '@stratum/core';
import { StratumError } from '@stratum/core';
import { z } from 'zod';

/** The ssh target: `user@addr`, an ssh config alias, ... */
export const hostSchema = z.string().min(1, 'host must not be empty');

/** An absolute path on the host. */
export const absolutePathSchema = z
  .string()
  .regex(/^\//, 'expected an absolute path (starting with "/")')
  .refine((path) => !path.includes('\0'), 'a path cannot contain a NUL byte');

/** An octal mode as `install -m` takes it; `644` and `0644` are the same mode. */
export const octalModeSchema = z
  .string()
  .regex(/^[0-7]{3,4}$/, 'expected an octal mode of 3 or 4 digits, e.g. "0644"');

/** True when two octal mode strings denote the same permission bits. */
export function sameMode(a: string, b: string): boolean {
  return /^[0-7]{1,4}$/.test(a) && /^[0-7]{1,4}$/.test(b) && Number.parseInt(a, 8) === Number.parseInt(b, 8);
}

/** The mode to report: the prior's spelling when equal in value, else the 4-digit form of the host's. */
export function observedMode(statMode: string, priorMode: unknown): string {
  if (typeof priorMode === 'string' && sameMode(statMode, priorMode)) return priorMode;
  return statMode.padStart(4, '0');
}

export function priorObject(prior: JsonValue | undefined): JsonObject {
  return prior !== null && typeof prior === 'object' && !Array.isArray(prior) ? prior : {};
}

export function addrOf(request: { kind: string; name: string }): string {
  return `${request.kind}.${request.name}`;
}

/** A string field the prior state must have for a read or delete to start. */
export function requiredPriorString(
  request: { kind: string; name: string; prior: JsonValue },
  field: string,
): string {
  const value = priorObject(request.prior)[field];
  if (typeof value === 'string') return value;
  throw new StratumError(
    'InvalidState',
    `${addrOf(request)}: the state entry has no ${field}, so the resource cannot be read or deleted`,
    { hint: 'Remove the entry from the state file by hand if the resource no longer exists on the host.' },
  );
}
