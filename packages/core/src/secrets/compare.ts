import type { JsonValue } from '../types';
import { digestMatches, isLegacyDigest, mintDigest } from './digest';
import {
  INLINE_MARKER,
  inlineMarkerSpans,
  isSecretMarker,
  markerFromDigest,
  type SecretMarker,
} from './markers';
import { sha256Tagged } from './redaction-map';

/**
 * How comparisons tell whether a plaintext is what a marker stands for.
 * Salted digests cannot be recomputed from a plaintext alone: the verifier
 * checks a pair, names the plaintexts a marker may stand for, and gives the
 * digest to show for a value that differs. The run's `RedactionMap` is one.
 */
export interface SecretVerifier {
  /** True when `digest` is a digest of `plaintext`. */
  matches(plaintext: string, digest: string): boolean;
  /** The plaintexts an inline marker named `name` may stand for. */
  candidates(name: string): readonly string[];
  /** The digest a marker for `plaintext` carries, to show what it changes to. */
  digestOf(plaintext: string): string;
}

/** Without the run's secrets: checks digests by computing them; salted inline markers then never match. */
export const STANDALONE_VERIFIER: SecretVerifier = {
  matches: digestMatches,
  candidates: () => [],
  digestOf: (plaintext) => mintDigest(plaintext),
};

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
export function compareSecretLeaves(
  prior: JsonValue,
  other: JsonValue,
  verifier: SecretVerifier = STANDALONE_VERIFIER,
): SecretComparison | undefined {
  const priorMarker = isSecretMarker(prior);
  const otherMarker = isSecretMarker(other);
  if (!priorMarker && !otherMarker) return undefined;
  if (!(priorMarker || typeof prior === 'string') || !(otherMarker || typeof other === 'string'))
    return undefined;
  const priorName = priorMarker ? (prior as SecretMarker).__secret : undefined;
  const otherName = otherMarker ? (other as SecretMarker).__secret : undefined;
  if (priorMarker && otherMarker) {
    const a = (prior as SecretMarker).__secret_sha256;
    const b = (other as SecretMarker).__secret_sha256;
    if (a === b || sameValue(a, b, [priorName!, otherName!], verifier)) return { equal: true };
    return { equal: false, from: prior as SecretMarker, to: other as SecretMarker };
  }
  const marker = (priorMarker ? prior : other) as SecretMarker;
  const plaintext = (priorMarker ? other : prior) as string;
  if (verifier.matches(plaintext, marker.__secret_sha256)) return { equal: true };
  const name = marker.__secret;
  if (!priorMarker) {
    // State holds the plaintext, the other side a marker: a value that was never secret before.
    return { equal: false, from: markerFromDigest(name, verifier.digestOf(plaintext)), to: marker };
  }
  if (UNRESOLVED_PLACEHOLDER.test(plaintext)) return { equal: false, from: marker, to: plaintext };
  return { equal: false, from: marker, to: markerFromDigest(name, verifier.digestOf(plaintext)) };
}

/** True when one candidate plaintext of either marker's secret matches both digests. */
function sameValue(a: string, b: string, names: readonly string[], verifier: SecretVerifier): boolean {
  for (const name of names) {
    for (const candidate of verifier.candidates(name)) {
      if (verifier.matches(candidate, a) && verifier.matches(candidate, b)) return true;
    }
  }
  return false;
}

/**
 * String equality that understands inline markers (`<secret:NAME:sha256:HEX>`).
 * `"db://app:<secret:pg:sha256:…>@db"` equals `"db://app:hunter2hunter2@db"`
 * when the plaintext in that position hashes to the marker's digest. Two
 * marked strings are equal when they agree up to marker names.
 */
export function stringsEqual(a: string, b: string, verifier: SecretVerifier = STANDALONE_VERIFIER): boolean {
  if (a === b) return true;
  const aSpans = inlineMarkerSpans(a);
  const bSpans = inlineMarkerSpans(b);
  if (aSpans.length === 0 && bSpans.length === 0) return false;
  if (aSpans.length > 0 && bSpans.length > 0 && stripNames(a) === stripNames(b)) return true;
  return (
    (aSpans.length > 0 && matchesMarked(a, aSpans, b, verifier)) ||
    (bSpans.length > 0 && matchesMarked(b, bSpans, a, verifier))
  );
}

function stripNames(value: string): string {
  return value.replace(INLINE_MARKER, '<secret::$2>');
}

type Segment = { literal: string } | { digest: string; name: string };

/**
 * True when `plain` is `marked` with every inline marker replaced by some
 * non-empty text with the marker's digest. For the spec's `sha256:` markers it
 * backtracks over where each secret ends (cheap hashes; the strings are
 * attribute values, so this stays small); a salted marker is matched only
 * against the plaintexts its secret may have (the verifier's candidates).
 */
function matchesMarked(
  marked: string,
  spans: ReturnType<typeof inlineMarkerSpans>,
  plain: string,
  verifier: SecretVerifier,
): boolean {
  const segments: Segment[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.start > at) segments.push({ literal: marked.slice(at, span.start) });
    segments.push({ digest: span.digest, name: span.name });
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
    if (!isLegacyDigest(current.digest)) {
      // A salted digest costs too much to try at every split: only the secret's own values are tried.
      return verifier
        .candidates(current.name)
        .some(
          (candidate) =>
            candidate !== '' &&
            plain.startsWith(candidate, pos) &&
            verifier.matches(candidate, current.digest) &&
            match(seg + 1, pos + candidate.length),
        );
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
