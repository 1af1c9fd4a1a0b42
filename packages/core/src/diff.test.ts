import { describe, expect, it } from 'vitest';
import { diff, diffObserved } from './diff';
import { inlineMarker, secretMarker } from './secrets/markers';
import { sha256Tagged } from './secrets/redaction-map';

const PG = 'correcthorsebatterystaple';
const PG_ROTATED = 'tr0ub4dor&3-rotated';

describe('diff (symmetric)', () => {
  it('finds nothing between equal values', () => {
    expect(diff({ a: 1, b: [1, 2], c: { d: 'x' } }, { c: { d: 'x' }, b: [1, 2], a: 1 })).toEqual([]);
  });

  it('reports a difference at the top as <root>', () => {
    expect(diff('a', 'b')).toEqual([{ field: '<root>', from: 'a', to: 'b' }]);
    expect(diff(null, { a: 1 })).toEqual([{ field: '<root>', from: null, to: { a: 1 } }]);
  });

  it('walks the union of keys, sorted, with dotted paths', () => {
    expect(diff({ z: 1, env: { PORT: '80', OLD: 'x' } }, { env: { PORT: '81', NEW: 'y' }, a: true })).toEqual(
      [
        { field: 'a', from: null, to: true },
        { field: 'env.NEW', from: null, to: 'y' },
        { field: 'env.OLD', from: 'x', to: null },
        { field: 'env.PORT', from: '80', to: '81' },
        { field: 'z', from: 1, to: null },
      ],
    );
  });

  it('compares arrays whole and in order', () => {
    expect(diff({ p: ['a', 'b'] }, { p: ['b', 'a'] })).toEqual([
      { field: 'p', from: ['a', 'b'], to: ['b', 'a'] },
    ]);
  });

  it('is marker-aware', () => {
    expect(diff({ pw: secretMarker('pg', PG) }, { pw: PG })).toEqual([]);
    expect(diff({ pw: secretMarker('pg', PG) }, { pw: PG_ROTATED })).toEqual([
      { field: 'pw', from: secretMarker('pg', PG), to: secretMarker('pg', PG_ROTATED) },
    ]);
  });
});

describe('diffObserved (one-sided)', () => {
  it('ignores fields only state has', () => {
    expect(diffObserved({ image: 'traefik:v3', container_id: 'abc' }, { image: 'traefik:v3' })).toEqual([]);
  });

  it('flags fields only observed has, from null', () => {
    expect(diffObserved({ image: 'a' }, { image: 'a', restart: 'always' })).toEqual([
      { field: 'restart', from: null, to: 'always' },
    ]);
    expect(diffObserved({}, { labels: { a: '1' } })).toEqual([
      { field: 'labels', from: null, to: { a: '1' } },
    ]);
  });

  it('treats a missing key or null as equal to {} and []', () => {
    expect(diffObserved({ image: 'a' }, { image: 'a', labels: {}, networks: [] })).toEqual([]);
    expect(diffObserved({ labels: null, networks: null }, { labels: {}, networks: [] })).toEqual([]);
    expect(diffObserved(null, {})).toEqual([]);
  });

  it('compares string arrays as sets and other arrays in order', () => {
    expect(diffObserved({ networks: ['a', 'b'] }, { networks: ['b', 'a'] })).toEqual([]);
    expect(diffObserved({ networks: ['a', 'b'] }, { networks: ['b', 'c'] })).toEqual([
      { field: 'networks', from: ['a', 'b'], to: ['b', 'c'] },
    ]);
    expect(diffObserved({ n: [1, 2] }, { n: [2, 1] })).toEqual([{ field: 'n', from: [1, 2], to: [2, 1] }]);
    expect(diffObserved({ n: [1, 2] }, { n: [1, 2] })).toEqual([]);
  });

  it('walks nested objects with dotted paths, sorted', () => {
    expect(
      diffObserved(
        { labels: { 'traefik.enable': 'true', keep: 'x' }, image: 'traefik:v2.11' },
        { labels: { 'traefik.enable': 'false' }, image: 'traefik:v3.0' },
      ),
    ).toEqual([
      { field: 'image', from: 'traefik:v2.11', to: 'traefik:v3.0' },
      { field: 'labels.traefik.enable', from: 'true', to: 'false' },
    ]);
  });

  it('reports a root difference as <root>', () => {
    expect(diffObserved('x', 'y')).toEqual([{ field: '<root>', from: 'x', to: 'y' }]);
    expect(diffObserved({ a: 1 }, 'y')).toEqual([{ field: '<root>', from: { a: 1 }, to: 'y' }]);
  });

  it('treats 4000 and 4000.0 as equal', () => {
    expect(diffObserved({ port: 4000 }, JSON.parse('{"port": 4000.0}'))).toEqual([]);
  });

  describe('secret markers', () => {
    it('matches a marker against the plaintext that hashes to it', () => {
      expect(diffObserved({ env: { PW: secretMarker('pg', PG) } }, { env: { PW: PG } })).toEqual([]);
    });

    it('matches plaintext in state against a marker observed', () => {
      expect(diffObserved({ PW: PG }, { PW: secretMarker('pg', PG) })).toEqual([]);
    });

    it('compares two markers by digest only', () => {
      expect(diffObserved(secretMarker('pg', PG), secretMarker('other_name', PG))).toEqual([]);
    });

    it('reports a rotation as one marker → marker change, never plaintext', () => {
      const changes = diffObserved({ env: { PW: secretMarker('pg', PG) } }, { env: { PW: PG_ROTATED } });
      expect(changes).toEqual([
        {
          field: 'env.PW',
          from: { __secret: 'pg', __secret_sha256: sha256Tagged(PG) },
          to: { __secret: 'pg', __secret_sha256: sha256Tagged(PG_ROTATED) },
        },
      ]);
      expect(JSON.stringify(changes)).not.toContain(PG_ROTATED);
    });

    it('names the other side when only it is a marker', () => {
      expect(diffObserved({ PW: PG }, { PW: secretMarker('pg', PG_ROTATED) })).toEqual([
        { field: 'PW', from: secretMarker('pg', PG), to: secretMarker('pg', PG_ROTATED) },
      ]);
    });

    it('keeps marker names and digests when both sides are markers', () => {
      expect(diffObserved(secretMarker('a', PG), secretMarker('b', PG_ROTATED))).toEqual([
        { field: '<root>', from: secretMarker('a', PG), to: secretMarker('b', PG_ROTATED) },
      ]);
    });

    it('compares a marker against a non-string as ordinary values', () => {
      expect(diffObserved({ PW: secretMarker('pg', PG) }, { PW: 5 })).toEqual([
        { field: 'PW', from: secretMarker('pg', PG), to: 5 },
      ]);
    });

    it('matches inline markers against interpolated plaintext', () => {
      const marked = `postgresql://app:${inlineMarker('pg', sha256Tagged(PG))}@db:5432/app`;
      expect(diffObserved({ url: marked }, { url: `postgresql://app:${PG}@db:5432/app` })).toEqual([]);
      expect(
        diffObserved({ url: marked }, { url: `postgresql://app:${PG_ROTATED}@db:5432/app` }),
      ).toHaveLength(1);
      expect(diffObserved({ url: marked }, { url: `postgresql://other:${PG}@db:5432/app` })).toHaveLength(1);
    });

    it('matches strings holding several and adjacent inline markers', () => {
      const a = 'secret-one-AAAA';
      const b = 'secret-two-BBBB';
      const marked = `x${inlineMarker('a', sha256Tagged(a))}${inlineMarker('b', sha256Tagged(b))}:${inlineMarker('a', sha256Tagged(a))}`;
      expect(diffObserved({ v: marked }, { v: `x${a}${b}:${a}` })).toEqual([]);
      expect(diffObserved({ v: marked }, { v: `x${b}${a}:${a}` })).toHaveLength(1);
    });

    it('matches inline markers inside string sets', () => {
      const marked = `--password=${inlineMarker('pg', sha256Tagged(PG))}`;
      expect(diffObserved({ args: ['a', marked] }, { args: [`--password=${PG}`, 'a'] })).toEqual([]);
    });
  });
});

describe('keys that name Object.prototype members', () => {
  it('treats constructor / toString / __proto__ as ordinary keys', () => {
    const observed = JSON.parse('{"constructor": "x", "__proto__": {"a": 1}, "toString": {}}');
    expect(diffObserved({}, observed)).toEqual([
      { field: '__proto__', from: null, to: { a: 1 } },
      { field: 'constructor', from: null, to: 'x' },
    ]);
    expect(diff({}, JSON.parse('{"valueOf": 1}'))).toEqual([{ field: 'valueOf', from: null, to: 1 }]);
  });
});

describe('unresolved-secret placeholders', () => {
  it('show as themselves against a recorded secret, not as a hash of the placeholder', () => {
    const prior = { env: { PW: { __secret: 'pg', __secret_sha256: `sha256:${'a'.repeat(64)}` } } };
    const changes = diffObserved(prior, { env: { PW: '<unresolved-secret:pg>' } });
    expect(changes).toEqual([{ field: 'env.PW', from: prior.env.PW, to: '<unresolved-secret:pg>' }]);
  });
});
