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
  /**
   * Redacted only where a value is the whole plaintext, never inside longer
   * strings: a short literal (`hunter2`) would otherwise be cut out of every
   * word that happens to contain it.
   */
  readonly wholeOnly?: boolean;
}

/** Secrets shorter than this are matched only as whole values; see {@link KnownSecret.wholeOnly}. */
export const MIN_SUBSTRING_REDACTION = 8;

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

  /**
   * Records a value a kind declares secret although the config wrote it as a
   * literal (`content = "-----BEGIN ..."` on a secret file). Short values are
   * matched only as whole values. Does nothing for a plaintext already known
   * under another name (the reference's own secret names it then).
   */
  addLiteral(name: string, plaintext: string): void {
    if (plaintext === '' || this.knows(plaintext)) return;
    const wholeOnly = plaintext.length < MIN_SUBSTRING_REDACTION;
    this.#byName.set(name, {
      name,
      plaintext,
      digest: sha256Tagged(plaintext),
      ...(wholeOnly ? { wholeOnly } : {}),
    });
  }

  /** True when some recorded secret has exactly this plaintext. */
  knows(plaintext: string): boolean {
    for (const secret of this.#byName.values()) if (secret.plaintext === plaintext) return true;
    return false;
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
