import { StratumError } from '../errors';
import type { JsonObject, JsonValue } from '../types';

/**
 * Reading what state recorded. State may hold anything (an older version's
 * shape, a hand edit), so every reader checks the type it gets.
 */

/** What a read, update or delete receives about a resource. */
export interface PriorRequest {
  readonly kind: string;
  readonly name: string;
  readonly prior: JsonValue;
}

/** `<kind>.<name>`, how messages name a resource. */
export function addrOf(request: { readonly kind: string; readonly name: string }): string {
  return `${request.kind}.${request.name}`;
}

/** The prior attrs as an object; anything else reads as empty. */
export function priorObject(prior: JsonValue | undefined): JsonObject {
  return prior !== null && typeof prior === 'object' && !Array.isArray(prior) ? prior : {};
}

/** A string field of the prior attrs, or undefined. */
export function priorString(prior: JsonValue | undefined, key: string): string | undefined {
  const value = priorObject(prior)[key];
  return typeof value === 'string' ? value : undefined;
}

/** A number field of the prior attrs, or undefined. */
export function priorNumber(prior: JsonValue | undefined, key: string): number | undefined {
  const value = priorObject(prior)[key];
  return typeof value === 'number' ? value : undefined;
}

/**
 * A string field the prior state must have for a read or a delete to start
 * (`host`, `path`); an `InvalidState` error naming the resource otherwise.
 */
export function requirePriorString(request: PriorRequest, field: string): string {
  const value = priorString(request.prior, field);
  if (value !== undefined && value !== '') return value;
  throw new StratumError(
    'InvalidState',
    `${addrOf(request)}: the state entry has no ${field}, so the resource cannot be read or deleted`,
    {
      hint: `inspect it with \`stratum state show ${addrOf(request)}\`; remove the entry from the state file by hand if the resource no longer exists on the host`,
    },
  );
}

/** The `host` the prior state names; see {@link requirePriorString}. */
export function priorHost(request: PriorRequest): string {
  return requirePriorString(request, 'host');
}

/** Drops undefined members so the value is a JSON object. */
export function compact(record: Record<string, JsonValue | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out;
}
