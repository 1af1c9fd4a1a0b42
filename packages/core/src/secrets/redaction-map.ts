import { createHash } from 'node:crypto';
import { inspect } from 'node:util';

/** `sha256:<hex>` of a string's UTF-8 bytes: the digest form secret markers carry. */
export function sha256Tagged(value: string): string {
  return `sha256:${sha256Hex(value)}`;
}

export function sha256Hex(value: string | Uint8Array): string {
  return createHash('sha256').update(value).digest('hex');
}

/** One known secret, as the redaction walks need it. */
export interface KnownSecret {
  readonly name: string;
  readonly plaintext: string;
  /** `sha256:<hex>` of the plaintext. */
  readonly digest: string;
}

/**
 * The plaintexts stratum must never print or persist, by secret name.
 *
 * Filled by the config evaluator (only sensitive secrets of 8+ characters),
 * read by core's redaction walks. It is deliberately hard to print by accident:
 * `JSON.stringify`, `util.inspect`, template strings and `String()` all show
 * names only. The one way to the plaintexts is {@link RedactionMap.secrets}.
 */
export class RedactionMap {
  readonly #byName = new Map<string, KnownSecret>();

  /** Records a secret. Adding the same name again replaces it. */
  add(name: string, plaintext: string): void {
    this.#byName.set(name, { name, plaintext, digest: sha256Tagged(plaintext) });
  }

  get size(): number {
    return this.#byName.size;
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  /** The secrets, longest plaintext first (so overlapping secrets redact deterministically). */
  secrets(): KnownSecret[] {
    return [...this.#byName.values()].sort(
      (a, b) => b.plaintext.length - a.plaintext.length || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
  }

  toJSON(): { secrets: string[] } {
    return { secrets: this.names() };
  }

  toString(): string {
    return `RedactionMap(${this.names().join(', ')})`;
  }

  [Symbol.toPrimitive](): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
