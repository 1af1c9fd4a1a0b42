import { describe, expect, it } from 'vitest';
import { inlineMarker, secretMarker } from './markers';
import { dropRedactionCancelled, redactInto } from './redact';
import { RedactionMap, sha256Tagged } from './redaction-map';

const PG = 'CORRECTHORSEBATTERY';
const pgInline = inlineMarker('pg', sha256Tagged(PG));

function map(entries: Record<string, string>): RedactionMap {
  const redaction = new RedactionMap();
  for (const [name, plaintext] of Object.entries(entries)) redaction.add(name, plaintext);
  return redaction;
}

describe('redactInto', () => {
  const redaction = map({ pg: PG });

  it('replaces a whole-leaf plaintext with the object marker', () => {
    expect(redactInto({ env: { POSTGRES_PASSWORD: PG, OTHER: 'x' } }, redaction)).toEqual({
      env: { POSTGRES_PASSWORD: secretMarker('pg', PG), OTHER: 'x' },
    });
    expect(redactInto([PG, 1, true, null], redaction)).toEqual([secretMarker('pg', PG), 1, true, null]);
    expect(redactInto(PG, redaction)).toEqual(secretMarker('pg', PG));
  });

  it('replaces every occurrence inside longer strings with inline markers', () => {
    expect(redactInto({ url: `postgresql://app:${PG}@db:5432/app?x=${PG}` }, redaction)).toEqual({
      url: `postgresql://app:${pgInline}@db:5432/app?x=${pgInline}`,
    });
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
    // A "secret" that occurs inside an existing inline marker's digest must not be redacted there.
    const hex = sha256Tagged(PG).slice('sha256:'.length);
    const inHex = hex.slice(10, 20);
    const tricky = map({ pg: PG, hexy: inHex });
    const redacted = redactInto(`pre ${PG} post`, tricky);
    expect(redacted).toBe(`pre ${pgInline} post`);
    expect(redactInto(redacted, tricky)).toBe(redacted);
    expect(redactInto({ m: secretMarker('pg', PG) }, map({ sha: 'sha256:', name: '__secret' }))).toEqual({
      m: secretMarker('pg', PG),
    });
  });

  it('prefers the longest secret where secrets overlap', () => {
    const inner = 'HORSEBATTERY';
    const redaction2 = map({ pg: PG, inner });
    const innerInline = inlineMarker('inner', sha256Tagged(inner));
    expect(redactInto(`a ${PG} b ${inner} c`, redaction2)).toBe(`a ${pgInline} b ${innerInline} c`);
    expect(redactInto(inner, redaction2)).toEqual(secretMarker('inner', inner));
  });

  it('replaces non-overlapping occurrences left to right', () => {
    const redaction3 = map({ aa: 'ABABABAB' });
    const token = inlineMarker('aa', sha256Tagged('ABABABAB'));
    expect(redactInto('xABABABABABABABABy', redaction3)).toBe(`x${token}${token}y`);
    expect(redactInto('ABABABABAB', redaction3)).toBe(`${token}AB`);
  });

  it('leaves object keys and values without secrets alone', () => {
    expect(redactInto({ [PG]: 'v' }, redaction)).toEqual({ [PG]: 'v' });
    expect(redactInto({ a: 1 }, new RedactionMap())).toEqual({ a: 1 });
  });
});

describe('dropRedactionCancelled', () => {
  it('keeps, unredacted, only the changes redaction does not cancel', () => {
    const redaction = map({ pg: PG });
    const kept = { field: 'b', from: 'old', to: `x${PG}` };
    expect(
      dropRedactionCancelled(
        [
          { field: 'a', from: `x${pgInline}`, to: `x${PG}` },
          kept,
          { field: 'c', from: secretMarker('pg', PG), to: PG },
        ],
        redaction,
      ),
    ).toEqual([kept]);
  });
});
