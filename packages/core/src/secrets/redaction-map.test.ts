import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RedactionMap, sha256Tagged } from './redaction-map';

const PLAINTEXT = 'correcthorsebatterystaple';

describe('RedactionMap', () => {
  it('never shows a plaintext when printed by accident', () => {
    const map = new RedactionMap();
    map.add('pg', PLAINTEXT);
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
    const map = new RedactionMap();
    map.add('short', 'abcdefgh');
    map.add('long', 'abcdefghijkl');
    expect(map.secrets().map((s) => s.name)).toEqual(['long', 'short']);
    expect(map.secrets()[1]?.digest).toBe(sha256Tagged('abcdefgh'));
    expect(sha256Tagged('abc')).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});
