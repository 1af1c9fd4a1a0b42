import { describe, expect, it } from 'vitest';
import { inlineMarker, secretMarker } from './markers';
import { sha256Tagged } from './redaction-map';
import { renderChange, renderSecretMarkers, renderValue } from './render';

const PG = 'correcthorsebatterystaple';
const short = (plaintext: string) => sha256Tagged(plaintext).slice('sha256:'.length, 'sha256:'.length + 6);

describe('rendering markers', () => {
  it('prints an object marker with six hex chars', () => {
    expect(renderValue(secretMarker('pg_password', PG))).toBe(`<secret:pg_password sha:${short(PG)}>`);
  });

  it('prints a rotation the way the spec shows it', () => {
    const rotated = 'tr0ub4dor&3-rotated';
    expect(
      renderChange({
        field: 'env.POSTGRES_PASSWORD',
        from: secretMarker('pg_password', PG),
        to: secretMarker('pg_password', rotated),
      }),
    ).toBe(
      `env.POSTGRES_PASSWORD: <secret:pg_password sha:${short(PG)}> -> <secret:pg_password sha:${short(rotated)}>`,
    );
  });

  it('prints inline markers inside strings', () => {
    const url = `postgresql://app:${inlineMarker('pg', sha256Tagged(PG))}@db:5432/app`;
    expect(renderValue(url)).toBe(`"postgresql://app:<secret:pg sha:${short(PG)}>@db:5432/app"`);
    expect(renderSecretMarkers(url)).toBe(`postgresql://app:<secret:pg sha:${short(PG)}>@db:5432/app`);
    expect(renderSecretMarkers('no markers')).toBe('no markers');
  });

  it('prints other values as compact JSON with markers inside', () => {
    expect(renderValue('traefik:v3.0')).toBe('"traefik:v3.0"');
    expect(renderValue(null)).toBe('null');
    expect(renderValue(4000)).toBe('4000');
    expect(renderValue({ env: { PW: secretMarker('pg', PG) }, ports: ['80:80'] })).toBe(
      `{"env":{"PW":<secret:pg sha:${short(PG)}>},"ports":["80:80"]}`,
    );
    expect(renderChange({ field: 'image', from: 'a', to: 'b' })).toBe('image: "a" -> "b"');
  });
});
