import type { JsonValue } from '../types';
import {
  INLINE_MARKER,
  inlineMarkerSpans,
  isSecretMarker,
  markerFromDigest,
  type SecretMarker,
} from './markers';
import { sha256Tagged } from './redaction-map';

/**
 * Comparison of leaves that may hold secrets, shared by `diff` and
 * `diffObserved`. State holds markers where config and hosts hold plaintext;
 * these rules let the two meet without the plaintext ever being kept.
 */

/** The outcome of comparing two leaves when at least one is an object marker. */
export type SecretComparison =
  | { readonly equal: true }
  | { readonly equal: false; readonly from: SecretMarker; readonly to: SecretMarker | string };

/**
 * What `--allow-unresolved-secrets` puts where a secret's value would be. Not a
 * secret: shown as it is, so a review plan says which secret is missing.
 */
const UNRESOLVED_PLACEHOLDER = /^<unresolved-secret:[^<>]+>$/;

/**
 * Compares `prior` and `other` when either is an object marker and the other
 * is a marker or a string. A plaintext is hashed and compared against the
 * marker's digest; two markers compare by digest only (names may differ).
 *
 * A mismatch is reported as marker → marker: `from` carries the prior's name
 * and digest, `to` carries the same name (or the other side's, if the other
 * side is a marker) with the other side's digest. Neither side ever carries
 * plaintext, so a rotation prints as `<secret:pg sha:f7c3bc> -> <secret:pg sha:9a1e44>`.
 *
 * Returns `undefined` when this is not a secret comparison (no marker, or a
 * marker against a number / object / array): the caller compares as usual.
 */
export function compareSecretLeaves(prior: JsonValue, other: JsonValue): SecretComparison | undefined {
  const priorMarker = isSecretMarker(prior);
  const otherMarker = isSecretMarker(other);
  if (!priorMarker && !otherMarker) return undefined;
  if (!(priorMarker || typeof prior === 'string') || !(otherMarker || typeof other === 'string'))
    return undefined;
  const priorDigest = priorMarker ? (prior as SecretMarker).__secret_sha256 : sha256Tagged(prior as string);
  const otherDigest = otherMarker ? (other as SecretMarker).__secret_sha256 : sha256Tagged(other as string);
  if (priorDigest === otherDigest) return { equal: true };
  const priorName = priorMarker ? (prior as SecretMarker).__secret : undefined;
  const otherName = otherMarker ? (other as SecretMarker).__secret : undefined;
  // At least one name is defined: one side is a marker.
  const from = markerFromDigest((priorName ?? otherName)!, priorDigest);
  if (typeof other === 'string' && UNRESOLVED_PLACEHOLDER.test(other))
    return { equal: false, from, to: other };
  return { equal: false, from, to: markerFromDigest((otherName ?? priorName)!, otherDigest) };
}

/**
 * String equality that understands inline markers (`<secret:NAME:sha256:HEX>`).
 * `"db://app:<secret:pg:sha256:…>@db"` equals `"db://app:hunter2hunter2@db"`
 * when the plaintext in that position hashes to the marker's digest. Two
 * marked strings are equal when they agree up to marker names.
 */
export function stringsEqual(a: string, b: string): boolean {
  if (a === b) return true;
  const aSpans = inlineMarkerSpans(a);
  const bSpans = inlineMarkerSpans(b);
  if (aSpans.length === 0 && bSpans.length === 0) return false;
  if (aSpans.length > 0 && bSpans.length > 0 && stripNames(a) === stripNames(b)) return true;
  return (
    (aSpans.length > 0 && matchesMarked(a, aSpans, b)) || (bSpans.length > 0 && matchesMarked(b, bSpans, a))
  );
}

function stripNames(value: string): string {
  return value.replace(INLINE_MARKER, '<secret::$2>');
}

type Segment = { literal: string } | { digest: string };

/**
 * True when `plain` is `marked` with every inline marker replaced by some
 * non-empty text hashing to the marker's digest. Backtracks over where each
 * secret ends; the strings are attribute values, so this stays small.
 */
function matchesMarked(marked: string, spans: ReturnType<typeof inlineMarkerSpans>, plain: string): boolean {
  const segments: Segment[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.start > at) segments.push({ literal: marked.slice(at, span.start) });
    segments.push({ digest: span.digest });
    at = span.end;
  }
  if (at < marked.length) segments.push({ literal: marked.slice(at) });

  const hashes = new Map<string, string>();
  const hashOf = (start: number, end: number): string => {
    const key = `${start}:${end}`;
    let h = hashes.get(key);
    if (h === undefined) {
      h = sha256Tagged(plain.slice(start, end));
      hashes.set(key, h);
    }
    return h;
  };

  const match = (seg: number, pos: number): boolean => {
    const current = segments[seg];
    if (current === undefined) return pos === plain.length;
    if ('literal' in current) {
      return plain.startsWith(current.literal, pos) && match(seg + 1, pos + current.literal.length);
    }
    const next = segments[seg + 1];
    if (next === undefined) return pos < plain.length && hashOf(pos, plain.length) === current.digest;
    if ('literal' in next) {
      for (
        let end = plain.indexOf(next.literal, pos + 1);
        end !== -1;
        end = plain.indexOf(next.literal, end + 1)
      ) {
        if (hashOf(pos, end) === current.digest && match(seg + 1, end)) return true;
      }
      return false;
    }
    for (let end = pos + 1; end < plain.length; end++) {
      if (hashOf(pos, end) === current.digest && match(seg + 1, end)) return true;
    }
    return false;
  };
  return match(0, 0);
}
