import { z } from 'zod';
import type { JsonObject, JsonValue } from './types';

/**
 * Any JSON value, as zod checks it. One instance with an id, so a published
 * JSON Schema has one `$defs/JsonValue` rather than a copy per use.
 */
export const jsonValueSchema: z.ZodType<JsonValue> = z
  .lazy(() =>
    z.union([
      z.string(),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(jsonValueSchema),
      z.record(z.string(), jsonValueSchema),
    ]),
  )
  .meta({ id: 'JsonValue' });

/** True for a JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Orders object keys by Unicode code point, the order the state file (and the
 * Rust implementation's BTreeMap) uses. Plain `<` compares UTF-16 code units,
 * which disagrees for characters beyond the BMP.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      const pa = a.codePointAt(i)!;
      const pb = b.codePointAt(i)!;
      return pa < pb ? -1 : 1;
    }
  }
  return a.length - b.length;
}

/** Structural equality of two JSON values (object key order does not matter). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !jsonEqual(a[k], b[k])) return false;
  }
  return true;
}

/**
 * A deep copy of a JSON value, frozen all the way down. One pass: plans hold
 * these so nothing (not even the caller's own desired objects) can change a
 * plan after it was made, and the caller's objects are never frozen in place.
 */
export function freezeClone<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null || deepFrozen.has(value)) return value;
  const out = cloneFrozen(value);
  deepFrozen.add(out as object);
  return out;
}

/**
 * Roots {@link freezeClone} produced: deep-frozen already, so they are shared
 * instead of copied (`withDrift` re-wraps a plan without copying it). Only roots are
 * recorded; a WeakSet entry per nested value would cost more than the copy.
 */
const deepFrozen = new WeakSet<object>();

function cloneFrozen<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<JsonValue>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneFrozen(value[i] as JsonValue);
    return Object.freeze(out) as T;
  }
  const out: JsonObject = {};
  for (const k in value) setKey(out, k, cloneFrozen((value as JsonObject)[k] as JsonValue));
  return Object.freeze(out) as T;
}

/** An own property of a JSON object, or undefined: `obj.constructor` must not find `Object`. */
export function getOwn(obj: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Sets a key as an own data property; plain assignment of `__proto__` would change the prototype. */
export function setKey(obj: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}
