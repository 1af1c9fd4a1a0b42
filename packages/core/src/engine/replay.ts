import { StratumError } from '../errors';
import type { Operation } from '../operation';
import { INLINE_MARKER, isSecretMarker } from '../secrets/markers';
import type { RedactionMap } from '../secrets/redaction-map';
import type { JsonValue } from '../types';

/**
 * What state recorded, with its secret markers turned back into the values
 * they stand for — where the config still declares that secret and its value
 * still has the recorded digest. A delete replays what an earlier apply
 * recorded (an `on_destroy` command holding a token): it must run with the
 * value, never with the marker's text. Markers that cannot be resolved stay,
 * and {@link refuseMarkers} stops the step.
 */
export function revealPrior(prior: JsonValue, redaction: RedactionMap | undefined): JsonValue {
  if (redaction === undefined || redaction.size === 0) return prior;
  const plaintextOf = (name: string, digest: string): string | undefined => {
    const secret = redaction.byName(name);
    return secret !== undefined && redaction.matches(secret.plaintext, digest) ? secret.plaintext : undefined;
  };
  const reveal = (value: JsonValue): JsonValue => {
    if (typeof value === 'string') {
      if (!value.includes('<secret:')) return value;
      return value.replace(
        INLINE_MARKER,
        (text, name: string, digest: string) => plaintextOf(name, digest) ?? text,
      );
    }
    if (Array.isArray(value)) return value.map(reveal);
    if (value === null || typeof value !== 'object') return value;
    if (isSecretMarker(value)) return plaintextOf(value.__secret, value.__secret_sha256) ?? value;
    const out: Record<string, JsonValue> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = reveal(inner);
    return out;
  };
  return reveal(prior);
}

/**
 * Refuses an operation whose commands would carry a secret marker in place of
 * a value (the secret is no longer declared, or its value changed since it
 * was recorded): running it would act on the marker's text.
 */
export function refuseMarkers(operation: Operation, addr: string): void {
  for (const command of operation.commands) {
    const texts = [command.command, typeof command.stdin === 'string' ? command.stdin : ''];
    for (const text of texts) {
      const found = new RegExp(INLINE_MARKER.source).exec(text) ?? /"__secret":\s*"([^"]*)"/.exec(text);
      if (found === null) continue;
      const name = found[1] ?? '?';
      throw new StratumError(
        'UnresolvedSecretMarker',
        `${addr}: ${command.step} would run with secret \`${name}\` as recorded in state, but this config does not declare that secret with that value`,
        {
          hint: `declare secret \`${name}\` with the value it had when the resource was applied, or remove the state entry and undo the resource's work by hand`,
        },
      );
    }
  }
}
