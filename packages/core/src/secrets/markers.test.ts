import { describe, expect, it } from 'vitest';
import { inlineMarker, inlineMarkerSpans, isSecretMarker, secretMarker } from './markers';
import { sha256Tagged } from './redaction-map';

describe('secret markers', () => {
  it('builds the object marker with exactly two keys in order', () => {
    const marker = secretMarker('pg_password', 'hunter2hunter2');
    expect(Object.keys(marker)).toEqual(['__secret', '__secret_sha256']);
    expect(JSON.stringify(marker)).toBe(
      `{"__secret":"pg_password","__secret_sha256":"${sha256Tagged('hunter2hunter2')}"}`,
    );
  });

  it('recognises only exact markers', () => {
    expect(isSecretMarker(secretMarker('a', 'b'))).toBe(true);
    expect(isSecretMarker({ __secret: 'a', __secret_sha256: 'sha256:00', extra: 1 })).toBe(false);
    expect(isSecretMarker({ __secret: 'a' })).toBe(false);
    expect(isSecretMarker({ __secret: 1, __secret_sha256: 'x' })).toBe(false);
    expect(isSecretMarker(['a'])).toBe(false);
    expect(isSecretMarker('a')).toBe(false);
    expect(isSecretMarker(null)).toBe(false);
  });

  it('builds and finds inline markers', () => {
    const digest = sha256Tagged('CORRECTHORSEBATTERY');
    const token = inlineMarker('pg', digest);
    expect(token).toBe(`<secret:pg:${digest}>`);
    const text = `postgresql://app:${token}@db:5432/${token}`;
    expect(inlineMarkerSpans(text).map((s) => [s.name, s.digest, text.slice(s.start, s.end)])).toEqual([
      ['pg', digest, token],
      ['pg', digest, token],
    ]);
    expect(inlineMarkerSpans('<secret:pg:sha256:abc>')).toEqual([]);
  });
});
