import { describe, expect, it } from 'vitest';
import { plannedStep } from '../test/plan-builders';
import { digestDisplayHex } from './digest';
import { inlineMarker, markerFromDigest, type SecretMarker } from './markers';
import { dropRedactionCancelled, redactInto, redactSteps } from './redact';
import { RedactionMap, sha256Tagged } from './redaction-map';

const PG = 'CORRECTHORSEBATTERY';

function map(entries: Record<string, string>): RedactionMap {
  const redaction = new RedactionMap({ digestCost: 4 });
  for (const [name, plaintext] of Object.entries(entries)) redaction.add(name, plaintext);
  return redaction;
}

/** The digest `redaction` gives its secret `name` this run. */
const digestOf = (redaction: RedactionMap, name: string): string => redaction.byName(name)!.digest;
/** The object marker `redaction` writes for its secret `name`. */
const markerOf = (redaction: RedactionMap, name: string): SecretMarker =>
  markerFromDigest(name, digestOf(redaction, name));
/** The inline marker `redaction` writes for its secret `name`. */
const inlineOf = (redaction: RedactionMap, name: string): string =>
  inlineMarker(name, digestOf(redaction, name));

describe('redactInto', () => {
  const redaction = map({ pg: PG });
  const pgMarker = markerOf(redaction, 'pg');
  const pgInline = inlineOf(redaction, 'pg');

  it('replaces a whole-leaf plaintext with the object marker', () => {
    expect(pgMarker.__secret_sha256).toMatch(/^scrypt:4:[0-9a-f]{32}:[0-9a-f]{64}$/);
    expect(redactInto({ env: { POSTGRES_PASSWORD: PG, OTHER: 'x' } }, redaction)).toEqual({
      env: { POSTGRES_PASSWORD: pgMarker, OTHER: 'x' },
    });
    expect(redactInto([PG, 1, true, null], redaction)).toEqual([pgMarker, 1, true, null]);
    expect(redactInto(PG, redaction)).toEqual(pgMarker);
  });

  it('replaces every occurrence inside longer strings with inline markers', () => {
    expect(redactInto({ url: `postgresql://app:${PG}@db:5432/app?x=${PG}` }, redaction)).toEqual({
      url: `postgresql://app:${pgInline}@db:5432/app?x=${pgInline}`,
    });
  });

  it('gives one secret one digest for the whole run, object and inline markers alike', () => {
    const out = redactInto({ a: PG, b: `x${PG}`, c: [PG] }, redaction);
    expect(out).toEqual({ a: pgMarker, b: `x${pgInline}`, c: [pgMarker] });
    expect(redactInto(PG, redaction)).toEqual(pgMarker);
  });

  it('does not mutate its input and returns unchanged subtrees as they are', () => {
    const untouched = { image: 'pg:16' };
    const input = { env: { PW: PG }, untouched };
    const out = redactInto(input, redaction);
    expect(input.env.PW).toBe(PG);
    expect(out.untouched).toBe(untouched);
  });

  it('is idempotent, also on marker text that contains a plaintext', () => {
    const once = redactInto({ a: PG, b: `x${PG}y` }, redaction);
    expect(redactInto(once, redaction)).toEqual(once);
    // A "secret" that occurs inside an existing inline marker's digest (its hash or its salt)
    // must not be redacted there.
    const tricky = map({ pg: PG });
    const digest = digestOf(tricky, 'pg');
    const inHash = digestDisplayHex(digest).slice(10, 20);
    const inSalt = digest.split(':')[2]!.slice(5, 15);
    tricky.add('hashy', inHash);
    tricky.add('salty', inSalt);
    const redacted = redactInto(`pre ${PG} post`, tricky);
    expect(redacted).toBe(`pre ${inlineMarker('pg', digest)} post`);
    expect(redactInto(redacted, tricky)).toBe(redacted);
    // The same for the spec's sha256 markers.
    const legacyInline = inlineMarker('pg', sha256Tagged(PG));
    const legacyTricky = map({ hexy: sha256Tagged(PG).slice('sha256:'.length).slice(10, 20) });
    expect(redactInto(`pre ${legacyInline} post`, legacyTricky)).toBe(`pre ${legacyInline} post`);
    // Nor the text of an object marker, whatever its digest form.
    const words = map({ sha: 'sha256:', scrypt: 'scrypt:4', name: '__secret' });
    for (const marker of [pgMarker, markerFromDigest('pg', sha256Tagged(PG))]) {
      expect(redactInto({ m: marker }, words)).toEqual({ m: marker });
    }
  });

  it('prefers the longest secret where secrets overlap', () => {
    const inner = 'HORSEBATTERY';
    const redaction2 = map({ pg: PG, inner });
    expect(redactInto(`a ${PG} b ${inner} c`, redaction2)).toBe(
      `a ${inlineOf(redaction2, 'pg')} b ${inlineOf(redaction2, 'inner')} c`,
    );
    expect(redactInto(inner, redaction2)).toEqual(markerOf(redaction2, 'inner'));
  });

  it('replaces non-overlapping occurrences left to right', () => {
    const redaction3 = map({ aa: 'ABABABAB' });
    const token = inlineOf(redaction3, 'aa');
    expect(redactInto('xABABABABABABABABy', redaction3)).toBe(`x${token}${token}y`);
    expect(redactInto('ABABABABAB', redaction3)).toBe(`${token}AB`);
  });

  it('leaves object keys and values without secrets alone', () => {
    expect(redactInto({ [PG]: 'v' }, redaction)).toEqual({ [PG]: 'v' });
    expect(redactInto({ a: 1 }, new RedactionMap({ digestCost: 4 }))).toEqual({ a: 1 });
  });
});

describe('redactInto on markers already present', () => {
  const redaction = map({ pg: PG });
  const pgMarker = markerOf(redaction, 'pg');
  const pgInline = inlineOf(redaction, 'pg');
  /** A marker of the same value an earlier run wrote: another salt. */
  const earlier = map({ pg: PG });

  it('rewrites the spec’s sha256 markers of a known secret to this run’s digest', () => {
    const legacy = markerFromDigest('pg', sha256Tagged(PG));
    const legacyInline = inlineMarker('pg', sha256Tagged(PG));
    expect(redactInto({ pw: legacy, url: `x${legacyInline}y` }, redaction)).toEqual({
      pw: pgMarker,
      url: `x${pgInline}y`,
    });
  });

  it('rewrites another salt of a known secret’s value to this run’s digest', () => {
    expect(
      redactInto({ pw: markerOf(earlier, 'pg'), url: `x${inlineOf(earlier, 'pg')}y` }, redaction),
    ).toEqual({ pw: pgMarker, url: `x${pgInline}y` });
  });

  it('leaves markers of another value, or of a secret the map does not have, as they are', () => {
    const rotated = map({ pg: 'THE-PREVIOUS-PASSWORD', gone: PG });
    const value = {
      old: markerOf(rotated, 'pg'),
      oldInline: `x${inlineOf(rotated, 'pg')}`,
      gone: markerOf(rotated, 'gone'),
      goneInline: `x${inlineOf(rotated, 'gone')}`,
      legacy: markerFromDigest('pg', sha256Tagged('THE-PREVIOUS-PASSWORD')),
    };
    expect(redactInto(value, redaction)).toEqual(value);
  });
});

describe('dropRedactionCancelled', () => {
  it('keeps, unredacted, only the changes redaction does not cancel', () => {
    const redaction = map({ pg: PG });
    const earlier = map({ pg: PG });
    const kept = { field: 'b', from: 'old', to: `x${PG}` };
    const rotated = { field: 'f', from: markerOf(map({ pg: 'THE-PREVIOUS-PASSWORD' }), 'pg'), to: PG };
    expect(
      dropRedactionCancelled(
        [
          { field: 'a', from: `x${inlineOf(redaction, 'pg')}`, to: `x${PG}` },
          kept,
          { field: 'c', from: markerOf(redaction, 'pg'), to: PG },
          { field: 'd', from: markerOf(earlier, 'pg'), to: PG },
          { field: 'e', from: `x${inlineMarker('pg', sha256Tagged(PG))}`, to: `x${PG}` },
          rotated,
        ],
        redaction,
      ),
    ).toEqual([kept, rotated]);
  });

  it('keeps a change from a secret to another form of it: both print as one marker, but the value differs', () => {
    // `\$` is a form of a secret with a `$` in it (shell double-quote escaping).
    const secret = '$iASY/keyQ';
    const redaction = map({ pg: secret });
    const change = { field: 'cmd', from: `echo ${secret}`, to: `echo \\${secret}` };
    expect(dropRedactionCancelled([change], redaction)).toEqual([change]);
    const [printed] = redactSteps(
      [plannedStep('ssh_exec', 'a', { action: 'update', desired: {}, prior: {}, changes: [change] })],
      redaction,
    );
    expect(printed!.action).toBe('update');
    expect(JSON.stringify(printed)).not.toContain(secret);
  });
});
