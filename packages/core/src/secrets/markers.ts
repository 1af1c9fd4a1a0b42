import type { JsonValue } from '../types';
import { sha256Tagged } from './redaction-map';

/**
 * The object that stands in for a whole secret value in state and plans:
 * exactly these two keys, in this order (the state file is byte-compatible
 * with the spec's). `__secret_sha256` is `sha256:<hex>` of the plaintext.
 */
export type SecretMarker = {
  readonly __secret: string;
  readonly __secret_sha256: string;
};

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** True when `value` is an object marker: exactly `__secret` and `__secret_sha256`, both strings. */
export function isSecretMarker(value: unknown): value is SecretMarker {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.__secret !== 'string' || typeof v.__secret_sha256 !== 'string') return false;
  let keys = 0;
  for (const _ in v) keys++;
  return keys === 2;
}

/** The object marker for a secret's plaintext. */
export function secretMarker(name: string, plaintext: string): SecretMarker {
  return { __secret: name, __secret_sha256: sha256Tagged(plaintext) };
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
export const INLINE_MARKER = /<secret:([^<>]*?):(sha256:[0-9a-f]{64})>/g;

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

/** True when `digest` looks like the `sha256:<hex>` a marker carries. */
export function isDigest(value: JsonValue): boolean {
  return typeof value === 'string' && DIGEST.test(value);
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
