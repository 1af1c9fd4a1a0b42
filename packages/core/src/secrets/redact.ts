import { jsonEqual, setKey } from '../json';
import type { FieldChange, JsonObject, JsonValue, PlannedResource } from '../types';
import { secretForms } from './forms';
import {
  INLINE_MARKER,
  inlineMarker,
  inlineMarkerSpans,
  isSecretMarker,
  markerFromDigest,
  type SecretMarker,
} from './markers';
import type { KnownSecret, RedactionMap } from './redaction-map';
import { renderSecretMarkers, renderValue } from './render';

/**
 * Replaces known secret plaintexts in any JSON value with markers:
 *
 * - a string that IS a secret's plaintext becomes the object marker
 *   `{ "__secret": NAME, "__secret_sha256": "sha256:<hex>" }`;
 * - otherwise every occurrence of every secret inside the string becomes the
 *   inline marker `<secret:NAME:sha256:HEX>`, longest secret first, each
 *   secret's occurrences left to right and never overlapping what was already
 *   replaced.
 *
 * Idempotent: object markers and inline markers already present are left
 * alone (a plaintext that happens to occur inside an existing marker's text is
 * not touched). Object keys are not redacted. Never mutates `value`; unchanged
 * subtrees are returned as they are.
 */
export function redactInto<T extends JsonValue>(
  value: T,
  redaction: RedactionMap,
  options: RedactOptions = {},
): T {
  return new Redactor(redaction, options.forms ?? true).value(value) as T;
}

/** Options of {@link redactInto}. */
export interface RedactOptions {
  /**
   * Also find the other forms a secret takes on its way out (quoted, escaped,
   * encoded; see `secretForms`). On by default: right for anything printed.
   * State is redacted with it off, so that each inline marker stands for
   * exactly the plaintext and can be told apart from, and compared with, the
   * value again.
   */
  forms?: boolean | undefined;
}

/**
 * A line of text as it may be printed: every known secret plaintext in it
 * replaced by its printed marker, `<secret:NAME sha:abc123>` — also when the
 * whole line is one secret.
 */
export function scrubText(text: string, redaction: RedactionMap): string {
  const redacted = new Redactor(redaction).value(text);
  return typeof redacted === 'string' ? renderSecretMarkers(redacted) : renderValue(redacted);
}

/**
 * The redacted form of plan steps: `desired`, `prior`, every change's
 * `from`/`to` and every drift change redacted; changes whose two sides became
 * equal dropped; an `update` left without changes downgraded to `noop`.
 * Returns plain (unfrozen) objects; `redactPlan` wraps them in a plan.
 */
export function redactSteps(steps: readonly PlannedResource[], redaction: RedactionMap): PlannedResource[] {
  const redactor = new Redactor(redaction);
  return steps.map((step) => {
    const changes = redactor.changes(step.changes);
    // A re-run is work of its own: an update with nothing but a trigger stays one.
    const action =
      step.action === 'update' && changes.length === 0 && step.trigger === undefined ? 'noop' : step.action;
    const redacted: PlannedResource = {
      addr: step.addr,
      provider: step.provider,
      action,
      desired: redactor.value(step.desired),
      prior: redactor.value(step.prior),
      changes,
      ...(step.drift === undefined
        ? {}
        : {
            drift: {
              ...step.drift,
              changes: redactor.changes(step.drift.changes),
              ...(step.drift.observed === undefined ? {} : { observed: redactor.value(step.drift.observed) }),
            },
          }),
      ...(step.trigger === undefined ? {} : { trigger: step.trigger }),
      ...(step.reads === undefined ? {} : { reads: step.reads }),
    };
    return redacted;
  });
}

/**
 * The changes that survive redaction, unredacted: those whose `from` and `to`
 * still differ once both are redacted. The planner uses it so that a plan and
 * its redacted view always agree on which steps are updates.
 */
export function dropRedactionCancelled(changes: FieldChange[], redaction: RedactionMap): FieldChange[] {
  const exact = new Redactor(redaction, false);
  return changes.filter((c) => !jsonEqual(exact.value(c.from), exact.value(c.to)));
}

/** One redaction pass's precomputed view of a {@link RedactionMap}. */
class Redactor {
  /** What to look for inside strings: every secret's plaintext and its other forms, longest first. */
  readonly #needles: readonly Needle[];
  readonly #byPlaintext = new Map<string, KnownSecret>();
  /** Whether there is anything to redact at all (whole-value secrets included). */
  readonly #any: boolean;

  readonly #map: RedactionMap;
  /**
   * This pass without forms, for telling whether a change cancelled: a form
   * (a `\` before a `$`, say) is a different value from the plaintext, so
   * `$X` → `\$X` is a real change even though both print as one marker.
   */
  readonly #exact: Redactor | undefined;

  constructor(redaction: RedactionMap, forms = true) {
    this.#map = redaction;
    this.#exact = forms ? new Redactor(redaction, false) : undefined;
    const known = redaction.secrets().filter((s) => s.plaintext.length > 0);
    // Two secrets with one plaintext: the first in `secrets()` order names the marker.
    for (const secret of known) {
      if (!this.#byPlaintext.has(secret.plaintext)) this.#byPlaintext.set(secret.plaintext, secret);
    }
    this.#needles = needlesOf(
      known.filter((s) => !s.wholeOnly),
      forms,
    );
    this.#any = known.length > 0;
  }

  value(value: JsonValue): JsonValue {
    if (!this.#any) return value;
    if (typeof value === 'string') return this.string(value);
    if (typeof value !== 'object' || value === null) return value;
    if (Array.isArray(value)) {
      let out: JsonValue[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const v = value[i] as JsonValue;
        const r = this.value(v);
        if (r !== v && out === undefined) out = value.slice(0, i);
        out?.push(r);
      }
      return out ?? value;
    }
    if (isSecretMarker(value)) return this.#canonical(value);
    let out: JsonObject | undefined;
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = value[k] as JsonValue;
      const r = this.value(v);
      if (r !== v && out === undefined) {
        out = {};
        for (let j = 0; j < i; j++) setKey(out, keys[j]!, value[keys[j]!] as JsonValue);
      }
      if (out !== undefined) setKey(out, k, r);
    }
    return out ?? value;
  }

  changes(changes: readonly FieldChange[]): FieldChange[] {
    const out: FieldChange[] = [];
    const exact = this.#exact ?? this;
    for (const c of changes) {
      // Both sides collapsing to one marker means the change was only plaintext vs marker.
      if (jsonEqual(exact.value(c.from), exact.value(c.to))) continue;
      out.push({ field: c.field, from: this.value(c.from), to: this.value(c.to) });
    }
    return out;
  }

  string(value: string): JsonValue {
    const whole = this.#byPlaintext.get(value);
    if (whole !== undefined) return markerFromDigest(whole.name, whole.digest);
    const marked = value.includes('<secret:') ? this.#canonicalText(value) : value;
    const found = this.#needles.filter((n) => marked.includes(n.text));
    return found.length === 0 ? marked : substitute(marked, found);
  }

  /**
   * A marker as this run writes it: one whose secret the config declares with
   * the same value gets this run's digest (a spec `sha256:` marker is upgraded
   * to the salted form; two salts of one value become one). Others stay as
   * they are.
   */
  #canonical(marker: SecretMarker): JsonValue {
    const secret = this.#map.byName(marker.__secret);
    if (secret === undefined || !this.#map.matches(secret.plaintext, marker.__secret_sha256)) return marker;
    return secret.digest === marker.__secret_sha256 ? marker : markerFromDigest(secret.name, secret.digest);
  }

  /** {@link Redactor.#canonical} for the inline markers inside a string. */
  #canonicalText(value: string): string {
    return value.replace(INLINE_MARKER, (text, name: string, digest: string) => {
      const secret = this.#map.byName(name);
      if (secret === undefined || !this.#map.matches(secret.plaintext, digest)) return text;
      return inlineMarker(secret.name, secret.digest);
    });
  }
}

/** A piece of a string being redacted: free text, or marker text that must not be searched again. */
interface Piece {
  text: string;
  marked: boolean;
}

/** One text that stands for a secret: its plaintext or another form of it (see `secretForms`). */
interface Needle {
  readonly text: string;
  readonly secret: KnownSecret;
}

/** Every secret's plaintext and forms, longest text first, so a longer form is never cut by a shorter one. */
function needlesOf(secrets: readonly KnownSecret[], forms: boolean): Needle[] {
  const needles: Needle[] = [];
  for (const secret of secrets) {
    needles.push({ text: secret.plaintext, secret });
    if (forms) for (const form of secretForms(secret.plaintext)) needles.push({ text: form, secret });
  }
  return needles.sort((a, b) => b.text.length - a.text.length);
}

/** Inline-redacts `value` with `needles` (longest first), leaving marker text alone. */
function substitute(value: string, needles: readonly Needle[]): string {
  let pieces: Piece[] = splitExistingMarkers(value);
  for (const { text, secret } of needles) {
    const next: Piece[] = [];
    const token = inlineMarker(secret.name, secret.digest);
    for (const piece of pieces) {
      if (piece.marked || !piece.text.includes(text)) {
        next.push(piece);
        continue;
      }
      const parts = piece.text.split(text);
      parts.forEach((part, i) => {
        if (i > 0) next.push({ text: token, marked: true });
        if (part !== '') next.push({ text: part, marked: false });
      });
    }
    pieces = next;
  }
  return pieces.map((p) => p.text).join('');
}

function splitExistingMarkers(value: string): Piece[] {
  const spans = inlineMarkerSpans(value);
  if (spans.length === 0) return [{ text: value, marked: false }];
  const pieces: Piece[] = [];
  let at = 0;
  for (const span of spans) {
    if (span.start > at) pieces.push({ text: value.slice(at, span.start), marked: false });
    pieces.push({ text: value.slice(span.start, span.end), marked: true });
    at = span.end;
  }
  if (at < value.length) pieces.push({ text: value.slice(at), marked: false });
  return pieces;
}
