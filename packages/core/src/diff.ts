import { compareKeys, getOwn, isJsonObject } from './json';
import {
  compareSecretLeaves,
  type SecretVerifier,
  STANDALONE_VERIFIER,
  stringsEqual,
} from './secrets/compare';
import { isSecretMarker } from './secrets/markers';
import type { FieldChange, JsonObject, JsonValue } from './types';

/** The field name of a change at the top of the compared values. */
export const ROOT_FIELD = '<root>';

/**
 * Symmetric diff of two JSON values.
 *
 * Objects are walked over the union of their keys (sorted, a missing key
 * counting as `null`), each key extending the dotted path (`env.PORT`). Any
 * other difference is one change at the current path; a difference at the top
 * is reported as field `<root>`. Arrays are compared whole, in order.
 *
 * Marker-aware: a secret marker equals a plaintext that hashes to its digest,
 * two markers compare by digest, and a mismatch is one marker → marker change
 * (see {@link compareSecretLeaves}). Inline markers inside strings are matched
 * the same way.
 */
export function diff(
  prior: JsonValue,
  desired: JsonValue,
  verifier: SecretVerifier = STANDALONE_VERIFIER,
): FieldChange[] {
  const out: FieldChange[] = [];
  walkSymmetric(prior ?? null, desired ?? null, '', out, verifier);
  return out;
}

/**
 * One-sided diff: what `observed` (from a host, or normalised desired attrs)
 * says differs from `prior` (state). The rules:
 *
 * - only keys present in `observed` are walked, so fields that only state
 *   records (`container_id`, `sha256`, …) never show up;
 * - a key missing from `prior` (or a `null` prior) against `{}` or `[]` is no change;
 * - arrays whose elements are all strings compare as sets; other arrays compare
 *   in order, element by element with these same rules, and differ as a whole;
 * - a key in `observed` that `prior` lacks is a change `from: null`;
 * - paths are dotted; a difference at the top is field `<root>`;
 * - marker-aware exactly like {@link diff}.
 *
 * Pass the run's `RedactionMap` as `verifier` wherever one exists: salted
 * markers can only be matched against the secrets it knows.
 */
export function diffObserved(
  prior: JsonValue,
  observed: JsonValue,
  verifier: SecretVerifier = STANDALONE_VERIFIER,
): FieldChange[] {
  const out: FieldChange[] = [];
  walkObserved(prior ?? null, observed ?? null, '', out, verifier);
  return out;
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function change(path: string, from: JsonValue, to: JsonValue): FieldChange {
  return { field: path === '' ? ROOT_FIELD : path, from, to };
}

/** Handles the leaf cases both walks share. Returns true when it decided the pair. */
function compareLeaves(
  prior: JsonValue,
  other: JsonValue,
  path: string,
  out: FieldChange[],
  verifier: SecretVerifier,
): boolean {
  const secret = compareSecretLeaves(prior, other, verifier);
  if (secret !== undefined) {
    if (!secret.equal) out.push(change(path, secret.from, secret.to));
    return true;
  }
  if (typeof prior === 'string' && typeof other === 'string') {
    if (!stringsEqual(prior, other, verifier)) out.push(change(path, prior, other));
    return true;
  }
  return false;
}

function isPlainObject(value: JsonValue): value is JsonObject {
  return isJsonObject(value) && !isSecretMarker(value);
}

function walkSymmetric(
  prior: JsonValue,
  desired: JsonValue,
  path: string,
  out: FieldChange[],
  verifier: SecretVerifier,
): void {
  if (prior === desired) return;
  if (compareLeaves(prior, desired, path, out, verifier)) return;
  if (isPlainObject(prior) && isPlainObject(desired)) {
    const keys = new Set([...Object.keys(prior), ...Object.keys(desired)]);
    for (const key of [...keys].sort(compareKeys)) {
      walkSymmetric(getOwn(prior, key) ?? null, getOwn(desired, key) ?? null, join(path, key), out, verifier);
    }
    return;
  }
  if (
    Array.isArray(prior) &&
    Array.isArray(desired) &&
    arraysEqualInOrder(prior, desired, walkSymmetric, verifier)
  )
    return;
  out.push(change(path, prior, desired));
}

function isEmptyContainer(value: JsonValue): boolean {
  if (Array.isArray(value)) return value.length === 0;
  if (isJsonObject(value)) {
    for (const _ in value) return false;
    return true;
  }
  return false;
}

function walkObserved(
  prior: JsonValue,
  observed: JsonValue,
  path: string,
  out: FieldChange[],
  verifier: SecretVerifier,
): void {
  if (prior === observed) return;
  if (prior === null && isEmptyContainer(observed)) return;
  if (compareLeaves(prior, observed, path, out, verifier)) return;
  if (isPlainObject(prior) && isPlainObject(observed)) {
    for (const key of Object.keys(observed).sort(compareKeys)) {
      walkObserved(getOwn(prior, key) ?? null, observed[key] ?? null, join(path, key), out, verifier);
    }
    return;
  }
  if (Array.isArray(prior) && Array.isArray(observed)) {
    const equal =
      isStringArray(prior) && isStringArray(observed)
        ? stringSetsEqual(prior, observed, verifier)
        : arraysEqualInOrder(prior, observed, walkObserved, verifier);
    if (equal) return;
  }
  out.push(change(path, prior, observed));
}

type Walk = (
  prior: JsonValue,
  other: JsonValue,
  path: string,
  out: FieldChange[],
  verifier: SecretVerifier,
) => void;

function arraysEqualInOrder(
  prior: JsonValue[],
  other: JsonValue[],
  walk: Walk,
  verifier: SecretVerifier,
): boolean {
  if (prior.length !== other.length) return false;
  const scratch: FieldChange[] = [];
  for (let i = 0; i < prior.length; i++) {
    walk(prior[i] ?? null, other[i] ?? null, '', scratch, verifier);
    if (scratch.length > 0) return false;
  }
  return true;
}

function isStringArray(value: JsonValue[]): value is string[] {
  for (const v of value) if (typeof v !== 'string') return false;
  return true;
}

/** Set equality of two string lists; inline markers match their plaintexts. */
function stringSetsEqual(a: string[], b: string[], verifier: SecretVerifier): boolean {
  const setA = new Set(a);
  const setB = new Set(b);
  const onlyA = [...setA].filter((s) => !setB.has(s));
  const onlyB = [...setB].filter((s) => !setA.has(s));
  if (onlyA.length === 0 && onlyB.length === 0) return true;
  // Leftovers may still be equal through inline markers (marker in state, plaintext observed).
  return (
    onlyA.every((x) => [...setB].some((y) => stringsEqual(x, y, verifier))) &&
    onlyB.every((y) => [...setA].some((x) => stringsEqual(x, y, verifier)))
  );
}
