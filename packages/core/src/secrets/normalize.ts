import type { JsonObject } from '../types';
import { sha256Hex } from './redaction-map';

/**
 * Kinds whose content attribute carries a whole secret, as `[kind, field]`.
 * State records only `sha256` (plain hex) for these, so the planner compares
 * the desired content's digest against it instead of the plaintext.
 */
export const SECRET_CONTENT_TO_SHA: readonly (readonly [kind: string, field: string])[] = Object.freeze([
  Object.freeze(['system_secret_file', 'content'] as const),
]);

/**
 * Desired attrs in the shape state holds them, for diffing only: for a kind in
 * {@link SECRET_CONTENT_TO_SHA}, a copy without the content field and with
 * `sha256: <hex>` of its UTF-8 bytes instead. Other kinds (and attrs without a
 * string content) are returned unchanged. Never mutates `attrs`.
 */
export function normalizeForPlan(kind: string, attrs: JsonObject): JsonObject {
  for (const [secretKind, field] of SECRET_CONTENT_TO_SHA) {
    if (kind !== secretKind) continue;
    const content = attrs[field];
    if (typeof content !== 'string') return attrs;
    const { [field]: _plaintext, ...rest } = attrs;
    return { ...rest, sha256: sha256Hex(content) };
  }
  return attrs;
}
