import { isWholeAfterApply, KNOWN_AFTER_APPLY, renderAfterApply } from '../after-apply';
import type { KindHandler } from '../provider';
import type { FieldChange, JsonValue } from '../types';
import { digestDisplayHex } from './digest';
import { INLINE_MARKER, isSecretMarker } from './markers';

/** How many hex digits of a digest are shown: enough to notice a rotation, too few to attack offline. */
export const SHOWN_DIGEST_CHARS = 6;

/** `<secret:NAME sha:abc123>`: the printed form of a marker. */
export function renderMarker(name: string, digest: string): string {
  return `<secret:${name} sha:${digestDisplayHex(digest).slice(0, SHOWN_DIGEST_CHARS)}>`;
}

/** Rewrites every inline marker inside `text` to its printed form. */
export function renderSecretMarkers(text: string): string {
  if (!text.includes('<secret:')) return text;
  return text.replace(INLINE_MARKER, (_m, name: string, digest: string) => renderMarker(name, digest));
}

/**
 * A JSON value as plan output prints it: compact JSON, except that object
 * markers print bare as `<secret:NAME sha:abc123>` and inline markers inside
 * strings print the same way, and known-after-apply markers print as
 * `(known after apply)`. Expects an already redacted value: it hides
 * markers, it does not find plaintext.
 */
export function renderValue(value: JsonValue): string {
  if (isSecretMarker(value)) return renderMarker(value.__secret, value.__secret_sha256);
  if (typeof value === 'string') {
    // A value known only after apply prints bare, as Terraform users know it.
    if (isWholeAfterApply(value)) return KNOWN_AFTER_APPLY;
    return renderAfterApply(renderSecretMarkers(JSON.stringify(value)));
  }
  if (Array.isArray(value)) return `[${value.map(renderValue).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${renderValue(v)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `field: <from> -> <to>`, the line an update prints per changed field (without indent or symbol). */
export function renderChange(change: FieldChange): string {
  return `${change.field}: ${renderValue(change.from)} -> ${renderValue(change.to)}`;
}

/**
 * The state fields a kind records as the digest of a secret attribute
 * (`KindHandler.digests` of an attribute in `secrets.attrs`). Output shows such
 * a field like a marker: a short prefix, enough to see it changed, too little
 * to test guesses against.
 */
export function secretDigestFields(handler: KindHandler<unknown>): ReadonlySet<string> {
  const secret = new Set(handler.secrets?.attrs ?? []);
  const fields = new Set<string>();
  for (const [attr, field] of Object.entries(handler.digests ?? {})) if (secret.has(attr)) fields.add(field);
  return fields;
}
