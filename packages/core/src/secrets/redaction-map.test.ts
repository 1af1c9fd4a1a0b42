import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DIGEST_COST, digestMatches, isLegacyDigest, mintDigest } from './digest';
import { RedactionMap, sha256Tagged } from './redaction-map';

const PLAINTEXT = 'correcthorsebatterystaple';
const SALTED = /^scrypt:4:[0-9a-f]{32}:[0-9a-f]{64}$/;

/** A map with a cheap digest cost. */
function cheap(entries: Record<string, string> = {}): RedactionMap {
  const map = new RedactionMap({ digestCost: 4 });
  for (const [name, plaintext] of Object.entries(entries)) map.add(name, plaintext);
  return map;
}

describe('RedactionMap', () => {
  it('never shows a plaintext when printed by accident', () => {
    const map = cheap({ pg: PLAINTEXT });
    for (const shown of [
      JSON.stringify(map),
      inspect(map),
      `${map}`,
      String(map),
      inspect({ nested: map }),
    ]) {
      expect(shown).not.toContain(PLAINTEXT);
      expect(shown).toContain('pg');
    }
  });

  it('lists secrets longest first, with their digests', () => {
    const map = cheap({ short: 'abcdefgh', long: 'abcdefghijkl' });
    expect(map.secrets().map((s) => s.name)).toEqual(['long', 'short']);
    const digest = map.secrets()[1]!.digest;
    expect(digest).toMatch(SALTED);
    expect(digestMatches('abcdefgh', digest)).toBe(true);
    expect(digestMatches('abcdefghijkl', digest)).toBe(false);
    // Made once: the same digest every time it is asked for, wherever from.
    expect(map.secrets()[1]!.digest).toBe(digest);
    expect(map.byName('short')!.digest).toBe(digest);
    expect(map.byName('long')!.digest).not.toBe(digest);
    // The spec's digest, still read in old state.
    expect(sha256Tagged('abc')).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('mints at the default cost unless told otherwise', () => {
    const map = new RedactionMap();
    map.add('pg', PLAINTEXT);
    expect(map.byName('pg')!.digest).toMatch(new RegExp(`^scrypt:${DIGEST_COST}:`));
  });

  it('gives two maps of one secret two salts', () => {
    expect(cheap({ pg: PLAINTEXT }).byName('pg')!.digest).not.toBe(
      cheap({ pg: PLAINTEXT }).byName('pg')!.digest,
    );
  });
});

describe('RedactionMap as a SecretVerifier', () => {
  it('matches a plaintext against either digest form', () => {
    const map = cheap({ pg: PLAINTEXT });
    expect(map.matches(PLAINTEXT, map.byName('pg')!.digest)).toBe(true);
    expect(map.matches(PLAINTEXT, mintDigest(PLAINTEXT, 4))).toBe(true);
    expect(map.matches(PLAINTEXT, sha256Tagged(PLAINTEXT))).toBe(true);
    expect(map.matches('something-else', map.byName('pg')!.digest)).toBe(false);
    expect(map.matches('something-else', sha256Tagged(PLAINTEXT))).toBe(false);
    expect(map.matches(PLAINTEXT, 'not a digest')).toBe(false);
  });

  it('adopts a salted digest that matches a secret not yet settled, never a sha256 one', () => {
    const map = cheap({ pg: PLAINTEXT, other: 'another-long-secret' });
    const recorded = mintDigest(PLAINTEXT, 4);
    expect(map.matches(PLAINTEXT, sha256Tagged(PLAINTEXT))).toBe(true);
    expect(map.matches(PLAINTEXT, recorded)).toBe(true);
    expect(map.byName('pg')!.digest).toBe(recorded);
    // Once settled, a secret keeps its digest.
    expect(map.matches(PLAINTEXT, mintDigest(PLAINTEXT, 4))).toBe(true);
    expect(map.byName('pg')!.digest).toBe(recorded);
    // A mismatch adopts nothing.
    expect(map.matches('another-long-secret', recorded)).toBe(false);
    expect(map.byName('other')!.digest).not.toBe(recorded);
  });

  it('checks each (plaintext, digest) pair once', () => {
    // Observed by time alone: a digest at the default cost takes a noticeable while to check,
    // a remembered answer none. Hundreds of repeats must cost less than the one real check.
    const map = cheap({ pg: PLAINTEXT });
    const slow = mintDigest(PLAINTEXT, DIGEST_COST);
    const wrong = mintDigest('a-different-secret', DIGEST_COST);
    const time = (fn: () => void) => {
      const start = performance.now();
      fn();
      return performance.now() - start;
    };
    let result: boolean[] = [];
    const first = time(() => {
      result = [map.matches(PLAINTEXT, slow), map.matches(PLAINTEXT, wrong)];
    });
    expect(result).toEqual([true, false]);
    const repeats = time(() => {
      for (let i = 0; i < 200; i++) {
        expect(map.matches(PLAINTEXT, slow)).toBe(true);
        expect(map.matches(PLAINTEXT, wrong)).toBe(false);
      }
    });
    expect(repeats).toBeLessThan(first);
  });

  it('names a known secret’s own value as the candidates of its markers', () => {
    const map = cheap({ pg: PLAINTEXT, api: 'api-token-value' });
    expect(map.candidates('pg')).toEqual([PLAINTEXT]);
    expect(map.candidates('api')).toEqual(['api-token-value']);
  });

  it('names every known value as the candidates of a marker whose name it does not know (a renamed secret)', () => {
    const map = cheap({ pg: PLAINTEXT, api: 'api-token-value' });
    expect([...map.candidates('old_name')].sort()).toEqual(['api-token-value', PLAINTEXT].sort());
    expect(cheap().candidates('old_name')).toEqual([]);
  });

  it('gives a known secret’s digest for its value', () => {
    const map = cheap({ pg: PLAINTEXT });
    expect(map.digestOf(PLAINTEXT)).toBe(map.byName('pg')!.digest);
  });

  it('gives a value that is no secret of the map one digest for the whole run', () => {
    const map = cheap({ pg: PLAINTEXT });
    const stranger = 'previous-plain-value';
    const digest = map.digestOf(stranger);
    expect(digest).toMatch(SALTED);
    expect(digestMatches(stranger, digest)).toBe(true);
    expect(map.digestOf(stranger)).toBe(digest);
    expect(map.digestOf('yet-another-value')).not.toBe(digest);
    // It is not a secret of the map for all that.
    expect(map.knows(stranger)).toBe(false);
    expect(map.names()).toEqual(['pg']);
    // Another run salts it anew.
    expect(cheap({ pg: PLAINTEXT }).digestOf(stranger)).not.toBe(digest);
  });
});

describe('RedactionMap.settle', () => {
  it('adopts the digest state has for an unchanged secret and mints the others', async () => {
    const map = cheap({
      kept: PLAINTEXT,
      rotated: 'the-new-password',
      legacy: 'legacy-password',
      fresh: 'new-one-here',
    });
    const kept = cheap({ kept: PLAINTEXT }).byName('kept')!.digest;
    const old = cheap({ rotated: 'the-old-password' }).byName('rotated')!.digest;
    await map.settle([
      { name: 'kept', digest: kept },
      { name: 'kept', digest: kept },
      { name: 'rotated', digest: old },
      { name: 'legacy', digest: sha256Tagged('legacy-password') },
      { name: 'unknown', digest: mintDigest(PLAINTEXT, 4) },
    ]);
    expect(map.byName('kept')!.digest).toBe(kept);
    for (const [name, value] of [
      ['rotated', 'the-new-password'],
      ['legacy', 'legacy-password'],
      ['fresh', 'new-one-here'],
    ] as const) {
      const digest = map.byName(name)!.digest;
      expect(digest).toMatch(SALTED);
      expect(isLegacyDigest(digest)).toBe(false);
      expect(digestMatches(value, digest)).toBe(true);
    }
    expect(map.byName('rotated')!.digest).not.toBe(old);
    // What settle checked is remembered.
    expect(map.matches(PLAINTEXT, kept)).toBe(true);
    expect(map.matches('the-new-password', old)).toBe(false);
  });

  it('adopts one digest for two secrets of one value', async () => {
    const map = cheap({ a: PLAINTEXT, b: PLAINTEXT });
    const recorded = mintDigest(PLAINTEXT, 4);
    await map.settle([{ name: 'a', digest: recorded }]);
    expect(map.byName('a')!.digest).toBe(recorded);
    expect(map.byName('b')!.digest).toBe(recorded);
  });

  it('leaves a digest already in use alone', async () => {
    const map = cheap({ pg: PLAINTEXT });
    const inUse = map.byName('pg')!.digest;
    await map.settle([{ name: 'pg', digest: mintDigest(PLAINTEXT, 4) }]);
    expect(map.byName('pg')!.digest).toBe(inUse);
  });

  it('does its slow work off the main thread', async () => {
    // At a real cost the digests take a while; the event loop keeps turning meanwhile.
    const map = new RedactionMap({ digestCost: 12 });
    for (let i = 0; i < 4; i++) map.add(`s${i}`, `secret-number-${i}`);
    const recorded = mintDigest('secret-number-0', 12);
    const order: string[] = [];
    const settled = map.settle([{ name: 's0', digest: recorded }]).then(() => order.push('settled'));
    setImmediate(() => order.push('tick'));
    await settled;
    expect(order).toEqual(['tick', 'settled']);
    expect(map.byName('s0')!.digest).toBe(recorded);
    expect(new Set(map.secrets().map((s) => s.digest)).size).toBe(4);
  });
});
