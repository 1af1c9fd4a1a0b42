import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import type { SecretVerifier } from './compare';
import {
  DIGEST_COST,
  digestMatches,
  digestMatchesAsync,
  isLegacyDigest,
  mintDigest,
  mintDigestAsync,
} from './digest';

/**
 * `sha256:<hex>` of a string's UTF-8 bytes: the spec's marker digest, still
 * read in old state files. New markers carry a salted digest (`digest.ts`).
 */
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
  /**
   * The digest its markers carry this run (`scrypt:<salt>:<hash>`): the one
   * the state already records for this value when there is one (so an
   * unchanged secret keeps its markers), else a new one, made when first needed.
   */
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

/** A {@link KnownSecret} whose digest is settled lazily (see {@link RedactionMap.settle}). */
class Secret implements KnownSecret {
  #digest: string | undefined;

  constructor(
    readonly name: string,
    readonly plaintext: string,
    readonly wholeOnly: boolean,
    readonly cost: number,
  ) {}

  get digest(): string {
    this.#digest ??= mintDigest(this.plaintext, this.cost);
    return this.#digest;
  }

  /** True once the digest is fixed (adopted from state or minted). */
  get settled(): boolean {
    return this.#digest !== undefined;
  }

  /** Takes a salted digest the state already has for this value, unless one is in use already. */
  adopt(digest: string): void {
    if (this.#digest === undefined && !isLegacyDigest(digest)) this.#digest = digest;
  }

  async mint(): Promise<void> {
    if (this.#digest === undefined) {
      const digest = await mintDigestAsync(this.plaintext, this.cost);
      this.#digest ??= digest;
    }
  }
}

/**
 * The plaintexts stratum must never print or persist, by secret name.
 *
 * Filled by the config evaluator (only sensitive secrets of 8+ characters),
 * read by core's redaction walks. It is deliberately hard to print by accident:
 * `JSON.stringify`, `util.inspect`, template strings and `String()` all show
 * names only. The one way to the plaintexts is {@link RedactionMap.secrets}.
 */
export class RedactionMap implements SecretVerifier {
  readonly #byName = new Map<string, Secret>();
  readonly #cost: number;

  /**
   * `digestCost` (log2 of scrypt's N) is for tests that make many digests;
   * real runs keep the default.
   */
  constructor(options: { digestCost?: number } = {}) {
    this.#cost = options.digestCost ?? DIGEST_COST;
  }
  /** Which (plaintext, digest) pairs were checked, and how it came out: each slow check once per run. */
  readonly #checked = new Map<string, boolean>();
  /** Digests made for values that are not secrets of the config, shown where they meet a marker. */
  readonly #strangers = new Map<string, string>();

  /** Records a secret. Adding the same name again replaces it. */
  add(name: string, plaintext: string): void {
    this.#byName.set(name, new Secret(name, plaintext, false, this.#cost));
  }

  /**
   * Records a value a kind declares secret although the config wrote it as a
   * literal (`content = "-----BEGIN ..."` on a secret file). Short values are
   * matched only as whole values. Does nothing for a plaintext already known
   * under another name (the reference's own secret names it then).
   */
  addLiteral(name: string, plaintext: string): void {
    if (plaintext === '' || this.knows(plaintext)) return;
    this.#byName.set(
      name,
      new Secret(name, plaintext, plaintext.length < MIN_SUBSTRING_REDACTION, this.#cost),
    );
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

  /**
   * True when `digest` (either marker form) is a digest of `plaintext`. The
   * slow check runs once per pair and run; a salted digest that matches a
   * known secret becomes that secret's digest for the run (no new salt, no
   * churn in state).
   */
  matches(plaintext: string, digest: string): boolean {
    const key = `${digest}\0${plaintext}`;
    let result = this.#checked.get(key);
    if (result === undefined) {
      result = digestMatches(plaintext, digest);
      this.#checked.set(key, result);
    }
    if (result) this.#adopt(plaintext, digest);
    return result;
  }

  /** The secret recorded under `name`, for a marker of that name; undefined when the config has none. */
  byName(name: string): KnownSecret | undefined {
    return this.#byName.get(name);
  }

  /**
   * The values a marker named `name` may stand for: that secret's, or — for a
   * name the config no longer has (a renamed secret) — every known value.
   */
  candidates(name: string): readonly string[] {
    const secret = this.#byName.get(name);
    return secret === undefined ? [...this.#byName.values()].map((s) => s.plaintext) : [secret.plaintext];
  }

  /** The digest a marker of `plaintext` carries: its secret's, or one made (once) for an unknown value. */
  digestOf(plaintext: string): string {
    for (const secret of this.#byName.values()) if (secret.plaintext === plaintext) return secret.digest;
    let digest = this.#strangers.get(plaintext);
    if (digest === undefined) {
      digest = mintDigest(plaintext, this.#cost);
      this.#strangers.set(plaintext, digest);
    }
    return digest;
  }

  /**
   * Settles every secret's digest before a plan, in parallel: a digest in
   * `digests` (those of the markers state holds) that matches a secret of that
   * name is adopted, and every other secret gets a fresh one. Optional — digests
   * are settled on first use anyway — but a plan with several secrets then pays
   * for them on every core at once instead of one after another.
   */
  async settle(markers: Iterable<{ name: string; digest: string }>): Promise<void> {
    const checks: Promise<void>[] = [];
    const seen = new Set<string>();
    for (const { name, digest } of markers) {
      const secret = this.#byName.get(name);
      const key = `${digest}\0${secret?.plaintext}`;
      if (secret === undefined || secret.settled || seen.has(key) || this.#checked.has(key)) continue;
      seen.add(key);
      checks.push(
        digestMatchesAsync(secret.plaintext, digest).then((result) => {
          this.#checked.set(key, result);
          if (result) this.#adopt(secret.plaintext, digest);
        }),
      );
    }
    await Promise.all(checks);
    await Promise.all([...this.#byName.values()].map((secret) => secret.mint()));
  }

  #adopt(plaintext: string, digest: string): void {
    for (const secret of this.#byName.values()) if (secret.plaintext === plaintext) secret.adopt(digest);
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
