import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * The digests secret markers carry. State files and plans outlive the run
 * that wrote them and travel (a CI artifact, a shared backend): a fast,
 * unsalted hash of a weak secret there would let anyone holding the file
 * test guesses at billions per second, and the same secret would have the
 * same digest in every state file. So new markers carry a salted, deliberately
 * slow digest:
 *
 *     scrypt:<log2 N>:<salt: 16 bytes hex>:<hash: 32 bytes hex>      (r = 8, p = 1)
 *
 * with N = 2^14 for every marker stratum writes (about 0.1 s of CPU on a small
 * machine, and 16 MiB). The cost is part of the digest so that a marker is
 * checked with what made it; anything above 2^20 is not a digest.
 *
 * The spec's `sha256:<hex>` markers are still read (and compared by hashing);
 * the engine replaces them with the new form the next time it writes state.
 * What output shows of a digest — six hex digits, to notice a rotation — is
 * taken from the scrypt hash, never from a fast hash of the value.
 */

const LEGACY = 'sha256:';
const SCRYPT = 'scrypt:';
/** log2 of scrypt's N for new digests. */
export const DIGEST_COST = 14;
const MAX_COST = 20;
const params = (cost: number) => ({ N: 2 ** cost, r: 8, p: 1, maxmem: 2 ** cost * 1024 + 32 * 1024 * 1024 });
const SALT_BYTES = 16;
const HASH_BYTES = 32;

/** The source of a regular expression matching any digest a marker may carry. */
export const DIGEST_SOURCE = 'sha256:[0-9a-f]{64}|scrypt:[0-9]{1,2}:[0-9a-f]{32}:[0-9a-f]{64}';

const DIGEST = new RegExp(`^(?:${DIGEST_SOURCE})$`);

/** True for a digest in one of the two marker forms. */
export function isMarkerDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST.test(value);
}

/** True for the spec's unsalted `sha256:` form, which is replaced on the next state write. */
export function isLegacyDigest(digest: string): boolean {
  return digest.startsWith(LEGACY);
}

/**
 * A new salted digest of `plaintext` (about 0.1 s of CPU at the default cost).
 * `cost` is for tests that make thousands of digests; anything below the
 * default is guessable and has no place in real state.
 */
export function mintDigest(plaintext: string, cost = DIGEST_COST): string {
  const salt = randomBytes(SALT_BYTES);
  return format(cost, salt, scryptSync(plaintext, salt, HASH_BYTES, params(cost)));
}

/** {@link mintDigest} off the main thread, so several run in parallel. */
export async function mintDigestAsync(plaintext: string, cost = DIGEST_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return format(cost, salt, await scryptAsync(plaintext, salt, cost));
}

/** True when `digest` is a digest of `plaintext`, in either form. */
export function digestMatches(plaintext: string, digest: string): boolean {
  const parsed = parse(digest);
  if (parsed === undefined) return false;
  if (parsed.kind === 'legacy') return parsed.hex === sha256Hex(plaintext);
  return timingSafeEqual(scryptSync(plaintext, parsed.salt, HASH_BYTES, params(parsed.cost)), parsed.hash);
}

/** {@link digestMatches} off the main thread. */
export async function digestMatchesAsync(plaintext: string, digest: string): Promise<boolean> {
  const parsed = parse(digest);
  if (parsed === undefined) return false;
  if (parsed.kind === 'legacy') return parsed.hex === sha256Hex(plaintext);
  return timingSafeEqual(await scryptAsync(plaintext, parsed.salt, parsed.cost), parsed.hash);
}

/** The hex digits output shows of a digest: from the scrypt hash, or the legacy hex. */
export function digestDisplayHex(digest: string): string {
  const parsed = parse(digest);
  if (parsed === undefined) return digest.replace(/^sha256:/, '');
  return parsed.kind === 'legacy' ? parsed.hex : parsed.hash.toString('hex');
}

function format(cost: number, salt: Buffer, hash: Buffer): string {
  return `${SCRYPT}${cost}:${salt.toString('hex')}:${hash.toString('hex')}`;
}

type Parsed = { kind: 'legacy'; hex: string } | { kind: 'scrypt'; cost: number; salt: Buffer; hash: Buffer };

function parse(digest: string): Parsed | undefined {
  if (!DIGEST.test(digest)) return undefined;
  if (digest.startsWith(LEGACY)) return { kind: 'legacy', hex: digest.slice(LEGACY.length) };
  const [, cost, salt, hash] = digest.split(':') as [string, string, string, string];
  const n = Number(cost);
  if (n < 1 || n > MAX_COST) return undefined;
  return { kind: 'scrypt', cost: n, salt: Buffer.from(salt, 'hex'), hash: Buffer.from(hash, 'hex') };
}

function scryptAsync(plaintext: string, salt: Buffer, cost: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(plaintext, salt, HASH_BYTES, params(cost), (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
