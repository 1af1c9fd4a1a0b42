import type { JsonValue } from '../types';
import { DIGEST_SOURCE, isMarkerDigest, mintDigest } from './digest';

/**
 * The object that stands in for a whole secret value in state and plans:
 * exactly these two keys, in this order (the state file is byte-compatible
 * with the spec's). `__secret_sha256` is the plaintext's digest: `scrypt:<salt>:<hash>`
 * for markers stratum writes, or the spec's `sha256:<hex>` in older state (see `digest.ts`).
 */
export type SecretMarker = {
  readonly __secret: string;
  readonly __secret_sha256: string;
};

/** True when `value` is an object marker: exactly `__secret` and `__secret_sha256`, both strings. */
export function isSecretMarker(value: unknown): value is SecretMarker {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.__secret !== 'string' || typeof v.__secret_sha256 !== 'string') return false;
  let keys = 0;
  for (const _ in v) keys++;
  return keys === 2;
}

/** An object marker for a secret's plaintext, with a new salted digest. */
export function secretMarker(name: string, plaintext: string): SecretMarker {
  return { __secret: name, __secret_sha256: mintDigest(plaintext) };
}

/** The object marker for a secret whose digest (`sha256:<hex>`) is already known. */
export function markerFromDigest(name: string, digest: string): SecretMarker {
  return { __secret: name, __secret_sha256: digest };
}

/**
 * The inline marker, `<secret:NAME:sha256:HEX>`, that replaces a secret
 * plaintext found inside a longer string (a `${...}` interpolation).
 */
export function inlineMarker(name: string, digest: string): string {
  return `<secret:${name}:${digest}>`;
}

/**
 * Matches inline markers. Global: always reset `lastIndex` (or use
 * `matchAll` / `replace`, which do) before use.
 */
export const INLINE_MARKER = new RegExp(`<secret:([^<>]*?):(${DIGEST_SOURCE})>`, 'g');

/** Fast pre-check before running {@link INLINE_MARKER} over a string. */
export function hasInlineMarker(value: string): boolean {
  return value.includes('<secret:') && value.search(INLINE_MARKER) !== -1;
}

/** The `[start, end)` spans of inline markers in `value`, left to right. */
export function inlineMarkerSpans(
  value: string,
): { start: number; end: number; name: string; digest: string }[] {
  if (!value.includes('<secret:')) return [];
  const spans = [];
  for (const m of value.matchAll(INLINE_MARKER)) {
    spans.push({ start: m.index, end: m.index + m[0].length, name: m[1]!, digest: m[2]! });
  }
  return spans;
}

/** True when `value` looks like a digest a marker carries (either form). */
export function isDigest(value: JsonValue): boolean {
  return isMarkerDigest(value);
}

/**
 * What a reference to a secret whose source is missing evaluates to when a
 * config is loaded for review only (`--allow-unresolved-secrets`). Apply
 * refuses any plan holding one.
 */
export function unresolvedPlaceholder(name: string): string {
  return `<unresolved-secret:${name}>`;
}

/** The name of the first unresolved-secret placeholder in `text`, if any. */
export function findUnresolvedPlaceholder(text: string): string | undefined {
  return /<unresolved-secret:([^>]+)>/.exec(text)?.[1];
}

/** Every marker (object or inline) anywhere in `value`: its secret's name and digest. */
export function markersIn(
  value: unknown,
  out: { name: string; digest: string }[] = [],
): { name: string; digest: string }[] {
  if (typeof value === 'string') {
    for (const span of inlineMarkerSpans(value)) out.push({ name: span.name, digest: span.digest });
  } else if (Array.isArray(value)) {
    for (const item of value) markersIn(item, out);
  } else if (typeof value === 'object' && value !== null) {
    if (isSecretMarker(value)) out.push({ name: value.__secret, digest: value.__secret_sha256 });
    else for (const item of Object.values(value)) markersIn(item, out);
  }
  return out;
}
