import { describe, expect, it } from 'vitest';
import { digestDisplayHex, mintDigest } from './digest';
import { inlineMarker, markerFromDigest } from './markers';
import { sha256Hex, sha256Tagged } from './redaction-map';
import { renderChange, renderMarker, renderSecretMarkers, renderValue } from './render';

const PG = 'correcthorsebatterystaple';
const ROTATED = 'tr0ub4dor&3-rotated';
/** Digests as a run writes them (cheap cost), made once. */
const PG_DIGEST = mintDigest(PG, 4);
const ROTATED_DIGEST = mintDigest(ROTATED, 4);
/** The six hex digits output shows of a digest. */
const short = (digest: string) => digestDisplayHex(digest).slice(0, 6);

describe('rendering markers', () => {
  it('prints an object marker with six hex chars of the salted hash', () => {
    const shown = renderValue(markerFromDigest('pg_password', PG_DIGEST));
    expect(shown).toBe(`<secret:pg_password sha:${short(PG_DIGEST)}>`);
    expect(shown).toMatch(/^<secret:pg_password sha:[0-9a-f]{6}>$/);
    // The digits are the hash's, not the salt's, and not a fast hash of the value.
    expect(short(PG_DIGEST)).toBe(PG_DIGEST.split(':')[3]!.slice(0, 6));
    expect(shown).not.toContain(sha256Hex(PG).slice(0, 6));
  });

  it('prints the spec’s sha256 markers with six hex chars of their digest', () => {
    expect(renderValue(markerFromDigest('pg_password', sha256Tagged(PG)))).toBe(
      `<secret:pg_password sha:${sha256Hex(PG).slice(0, 6)}>`,
    );
    expect(renderMarker('pg', sha256Tagged(PG))).toBe(`<secret:pg sha:${sha256Hex(PG).slice(0, 6)}>`);
  });

  it('prints a rotation the way the spec shows it', () => {
    expect(
      renderChange({
        field: 'env.POSTGRES_PASSWORD',
        from: markerFromDigest('pg_password', PG_DIGEST),
        to: markerFromDigest('pg_password', ROTATED_DIGEST),
      }),
    ).toBe(
      `env.POSTGRES_PASSWORD: <secret:pg_password sha:${short(PG_DIGEST)}> -> <secret:pg_password sha:${short(ROTATED_DIGEST)}>`,
    );
  });

  it('prints inline markers inside strings', () => {
    for (const digest of [PG_DIGEST, sha256Tagged(PG)]) {
      const url = `postgresql://app:${inlineMarker('pg', digest)}@db:5432/app`;
      expect(renderValue(url)).toBe(`"postgresql://app:<secret:pg sha:${short(digest)}>@db:5432/app"`);
      expect(renderSecretMarkers(url)).toBe(`postgresql://app:<secret:pg sha:${short(digest)}>@db:5432/app`);
    }
    expect(renderSecretMarkers('no markers')).toBe('no markers');
  });

  it('prints other values as compact JSON with markers inside', () => {
    expect(renderValue('traefik:v3.0')).toBe('"traefik:v3.0"');
    expect(renderValue(null)).toBe('null');
    expect(renderValue(4000)).toBe('4000');
    expect(renderValue({ env: { PW: markerFromDigest('pg', PG_DIGEST) }, ports: ['80:80'] })).toBe(
      `{"env":{"PW":<secret:pg sha:${short(PG_DIGEST)}>},"ports":["80:80"]}`,
    );
    expect(renderChange({ field: 'image', from: 'a', to: 'b' })).toBe('image: "a" -> "b"');
  });
});
