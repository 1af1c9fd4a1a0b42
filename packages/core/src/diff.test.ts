import { describe, expect, it } from 'vitest';
import { diff, diffObserved } from './diff';
import { digestMatches } from './secrets/digest';
import { inlineMarker, markerFromDigest, type SecretMarker } from './secrets/markers';
import { RedactionMap, sha256Tagged } from './secrets/redaction-map';

const PG = 'correcthorsebatterystaple';
const PG_ROTATED = 'tr0ub4dor&3-rotated';

/** A run's secrets, with a cheap digest cost. */
function secrets(values: Record<string, string>): RedactionMap {
  const map = new RedactionMap({ digestCost: 4 });
  for (const [name, value] of Object.entries(values)) map.add(name, value);
  return map;
}

/** The object marker `map` writes for its secret `name`. */
function markerOf(map: RedactionMap, name: string): SecretMarker {
  return markerFromDigest(name, map.byName(name)!.digest);
}

/** The marker state recorded for `value` under `name`, in an earlier run (its own salt). */
function recorded(name: string, value: string): SecretMarker {
  return markerOf(secrets({ [name]: value }), name);
}

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
    const old = recorded('pg', PG);
    expect(diff({ pw: old }, { pw: PG })).toEqual([]);
    expect(diff({ pw: old }, { pw: PG }, secrets({ pg: PG }))).toEqual([]);
    const run = secrets({ pg: PG_ROTATED });
    expect(diff({ pw: old }, { pw: PG_ROTATED }, run)).toEqual([
      { field: 'pw', from: old, to: markerOf(run, 'pg') },
    ]);
  });

  it('without a verifier, shows a rotation with a freshly salted digest of the new value', () => {
    const old = recorded('pg', PG);
    const [change, ...rest] = diff({ pw: old }, { pw: PG_ROTATED });
    expect(rest).toEqual([]);
    expect(change).toEqual({
      field: 'pw',
      from: old,
      to: { __secret: 'pg', __secret_sha256: expect.stringMatching(/^scrypt:/) },
    });
    const to = change!.to as SecretMarker;
    expect(digestMatches(PG_ROTATED, to.__secret_sha256)).toBe(true);
    expect(JSON.stringify(change)).not.toContain(PG_ROTATED);
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
    it('matches a marker against the plaintext it is a digest of', () => {
      const old = recorded('pg', PG);
      expect(diffObserved({ env: { PW: old } }, { env: { PW: PG } })).toEqual([]);
      expect(diffObserved({ env: { PW: old } }, { env: { PW: PG } }, secrets({ pg: PG }))).toEqual([]);
    });

    it('still understands the spec’s sha256 markers', () => {
      const legacy = markerFromDigest('pg', sha256Tagged(PG));
      expect(diffObserved({ env: { PW: legacy } }, { env: { PW: PG } })).toEqual([]);
      expect(diffObserved({ env: { PW: legacy } }, { env: { PW: PG } }, secrets({ pg: PG }))).toEqual([]);
      expect(diffObserved({ env: { PW: legacy } }, { env: { PW: PG_ROTATED } })).toHaveLength(1);
      // A legacy marker and a salted one of the same value are the same value.
      expect(diffObserved(legacy, recorded('pg', PG), secrets({ pg: PG }))).toEqual([]);
    });

    it('matches plaintext in state against a marker observed', () => {
      expect(diffObserved({ PW: PG }, { PW: recorded('pg', PG) })).toEqual([]);
    });

    it('compares two markers by digest only', () => {
      const marker = recorded('pg', PG);
      expect(diffObserved(marker, markerFromDigest('other_name', marker.__secret_sha256))).toEqual([]);
    });

    it('compares two salts of one value as equal through the run’s secrets, whatever the names', () => {
      const run = secrets({ pg: PG });
      const a = recorded('pg', PG);
      const b = recorded('other_name', PG);
      expect(a.__secret_sha256).not.toBe(b.__secret_sha256);
      expect(diffObserved(a, b, run)).toEqual([]);
      expect(diffObserved(b, a, run)).toEqual([]);
    });

    it('reports a rotation as one marker → marker change, never plaintext', () => {
      const old = recorded('pg', PG);
      const run = secrets({ pg: PG_ROTATED });
      const changes = diffObserved({ env: { PW: old } }, { env: { PW: PG_ROTATED } }, run);
      expect(changes).toEqual([
        {
          field: 'env.PW',
          from: { __secret: 'pg', __secret_sha256: old.__secret_sha256 },
          to: { __secret: 'pg', __secret_sha256: run.byName('pg')!.digest },
        },
      ]);
      expect(changes[0]!.to).toEqual({ __secret: 'pg', __secret_sha256: expect.stringMatching(/^scrypt:/) });
      expect(JSON.stringify(changes)).not.toContain(PG_ROTATED);
    });

    it('names the other side when only it is a marker', () => {
      const run = secrets({ pg: PG_ROTATED });
      const observed = markerOf(run, 'pg');
      expect(diffObserved({ PW: PG }, { PW: observed }, run)).toEqual([
        { field: 'PW', from: markerFromDigest('pg', run.digestOf(PG)), to: observed },
      ]);
      expect(digestMatches(PG, run.digestOf(PG))).toBe(true);
    });

    it('keeps marker names and digests when both sides are markers', () => {
      const a = recorded('a', PG);
      const b = recorded('b', PG_ROTATED);
      expect(diffObserved(a, b)).toEqual([{ field: '<root>', from: a, to: b }]);
      expect(diffObserved(a, b, secrets({ a: PG, b: PG_ROTATED }))).toEqual([
        { field: '<root>', from: a, to: b },
      ]);
    });

    it('compares a marker against a non-string as ordinary values', () => {
      const marker = recorded('pg', PG);
      expect(diffObserved({ PW: marker }, { PW: 5 })).toEqual([{ field: 'PW', from: marker, to: 5 }]);
    });

    it('matches the spec’s sha256 inline markers against interpolated plaintext', () => {
      const marked = `postgresql://app:${inlineMarker('pg', sha256Tagged(PG))}@db:5432/app`;
      expect(diffObserved({ url: marked }, { url: `postgresql://app:${PG}@db:5432/app` })).toEqual([]);
      expect(
        diffObserved({ url: marked }, { url: `postgresql://app:${PG_ROTATED}@db:5432/app` }),
      ).toHaveLength(1);
      expect(diffObserved({ url: marked }, { url: `postgresql://other:${PG}@db:5432/app` })).toHaveLength(1);
    });

    it('matches salted inline markers against interpolated plaintext, given the run’s secrets', () => {
      const run = secrets({ pg: PG });
      const marked = `postgresql://app:${inlineMarker('pg', recorded('pg', PG).__secret_sha256)}@db:5432/app`;
      const plain = `postgresql://app:${PG}@db:5432/app`;
      expect(diffObserved({ url: marked }, { url: plain }, run)).toEqual([]);
      expect(diffObserved({ url: plain }, { url: marked }, run)).toEqual([]);
      expect(
        diffObserved({ url: marked }, { url: `postgresql://app:${PG_ROTATED}@db:5432/app` }, run),
      ).toHaveLength(1);
      expect(
        diffObserved({ url: marked }, { url: `postgresql://other:${PG}@db:5432/app` }, run),
      ).toHaveLength(1);
      // After a rotation the run knows only the new value: the old marker no longer matches it.
      expect(
        diffObserved(
          { url: marked },
          { url: `postgresql://app:${PG_ROTATED}@db:5432/app` },
          secrets({ pg: PG_ROTATED }),
        ),
      ).toHaveLength(1);
      // Without the run's secrets a salted inline marker matches nothing.
      expect(diffObserved({ url: marked }, { url: plain })).toHaveLength(1);
    });

    it('matches a salted inline marker under a name the config no longer has (a renamed secret)', () => {
      const marked = `x=${inlineMarker('old_name', recorded('old_name', PG).__secret_sha256)}`;
      expect(diffObserved({ v: marked }, { v: `x=${PG}` }, secrets({ pg: PG }))).toEqual([]);
    });

    it('matches strings holding several and adjacent inline markers', () => {
      const a = 'secret-one-AAAA';
      const b = 'secret-two-BBBB';
      const marked = `x${inlineMarker('a', sha256Tagged(a))}${inlineMarker('b', sha256Tagged(b))}:${inlineMarker('a', sha256Tagged(a))}`;
      expect(diffObserved({ v: marked }, { v: `x${a}${b}:${a}` })).toEqual([]);
      expect(diffObserved({ v: marked }, { v: `x${b}${a}:${a}` })).toHaveLength(1);

      const run = secrets({ a, b });
      const da = run.byName('a')!.digest;
      const db = run.byName('b')!.digest;
      const salted = `x${inlineMarker('a', da)}${inlineMarker('b', db)}:${inlineMarker('a', da)}`;
      expect(diffObserved({ v: salted }, { v: `x${a}${b}:${a}` }, run)).toEqual([]);
      expect(diffObserved({ v: salted }, { v: `x${b}${a}:${a}` }, run)).toHaveLength(1);
    });

    it('matches inline markers inside string sets', () => {
      const marked = `--password=${inlineMarker('pg', sha256Tagged(PG))}`;
      expect(diffObserved({ args: ['a', marked] }, { args: [`--password=${PG}`, 'a'] })).toEqual([]);
      const run = secrets({ pg: PG });
      const salted = `--password=${inlineMarker('pg', run.byName('pg')!.digest)}`;
      expect(diffObserved({ args: ['a', salted] }, { args: [`--password=${PG}`, 'a'] }, run)).toEqual([]);
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
