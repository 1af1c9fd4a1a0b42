import { describe, expect, it } from 'vitest';
import { DIGEST_COST, digestMatches, mintDigest } from './digest';
import { inlineMarker, inlineMarkerSpans, isSecretMarker, markersIn, secretMarker } from './markers';
import { sha256Tagged } from './redaction-map';

describe('secret markers', () => {
  it('builds the object marker with exactly two keys in order, carrying a salted digest', () => {
    const marker = secretMarker('pg_password', 'hunter2hunter2');
    expect(Object.keys(marker)).toEqual(['__secret', '__secret_sha256']);
    expect(JSON.stringify(marker)).toMatch(
      new RegExp(
        `^\\{"__secret":"pg_password","__secret_sha256":"scrypt:${DIGEST_COST}:[0-9a-f]{32}:[0-9a-f]{64}"\\}$`,
      ),
    );
    expect(digestMatches('hunter2hunter2', marker.__secret_sha256)).toBe(true);
    expect(digestMatches('hunter2hunter3', marker.__secret_sha256)).toBe(false);
    // Salted: a second marker of the same value carries another digest.
    expect(secretMarker('pg_password', 'hunter2hunter2').__secret_sha256).not.toBe(marker.__secret_sha256);
  });

  it('recognises only exact markers', () => {
    expect(isSecretMarker({ __secret: 'a', __secret_sha256: sha256Tagged('b') })).toBe(true);
    expect(isSecretMarker({ __secret: 'a', __secret_sha256: 'sha256:00', extra: 1 })).toBe(false);
    expect(isSecretMarker({ __secret: 'a' })).toBe(false);
    expect(isSecretMarker({ __secret: 1, __secret_sha256: 'x' })).toBe(false);
    expect(isSecretMarker(['a'])).toBe(false);
    expect(isSecretMarker('a')).toBe(false);
    expect(isSecretMarker(null)).toBe(false);
  });

  it('builds and finds inline markers, with either digest form', () => {
    for (const digest of [sha256Tagged('CORRECTHORSEBATTERY'), mintDigest('CORRECTHORSEBATTERY', 4)]) {
      const token = inlineMarker('pg', digest);
      expect(token).toBe(`<secret:pg:${digest}>`);
      const text = `postgresql://app:${token}@db:5432/${token}`;
      expect(inlineMarkerSpans(text).map((s) => [s.name, s.digest, text.slice(s.start, s.end)])).toEqual([
        ['pg', digest, token],
        ['pg', digest, token],
      ]);
    }
    expect(inlineMarkerSpans('<secret:pg:sha256:abc>')).toEqual([]);
    expect(inlineMarkerSpans(`<secret:pg:scrypt:4:${'0'.repeat(31)}:${'0'.repeat(64)}>`)).toEqual([]);
    expect(inlineMarkerSpans(`<secret:pg:scrypt::${'0'.repeat(32)}:${'0'.repeat(64)}>`)).toEqual([]);
  });

  it('lists every marker in a value, object and inline', () => {
    const a = mintDigest('CORRECTHORSEBATTERY', 4);
    const b = sha256Tagged('another-secret');
    expect(
      markersIn({
        env: { PW: { __secret: 'pg', __secret_sha256: a } },
        args: [`--token=${inlineMarker('tok', b)}`, 'plain'],
      }),
    ).toEqual([
      { name: 'pg', digest: a },
      { name: 'tok', digest: b },
    ]);
  });
});
