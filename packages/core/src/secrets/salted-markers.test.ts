import { describe, expect, it } from 'vitest';
import { buildPlan } from '../plan/build-plan';
import { redactPlan } from '../plan/redact-plan';
import { desiredResource, resourceState, stateWith } from '../test/state-builders';
import type { JsonObject } from '../types';
import { DIGEST_COST, digestDisplayHex, digestMatches, isLegacyDigest, mintDigest } from './digest';
import { markersIn } from './markers';
import { redactInto } from './redact';
import { RedactionMap, sha256Tagged } from './redaction-map';
import { renderValue } from './render';

const PW = 'correct-horse-battery';

function map(value = PW): RedactionMap {
  const m = new RedactionMap();
  m.add('pg', value);
  return m;
}

describe('salted, slow digests', () => {
  it('are scrypt at the default cost, salted per digest, and check against the value', () => {
    const a = mintDigest(PW);
    const b = mintDigest(PW);
    expect(a).toMatch(new RegExp(`^scrypt:${DIGEST_COST}:[0-9a-f]{32}:[0-9a-f]{64}$`));
    expect(a).not.toBe(b);
    expect(digestMatches(PW, a)).toBe(true);
    expect(digestMatches(PW, b)).toBe(true);
    expect(digestMatches('hunter2', a)).toBe(false);
    // The spec's unsalted form is still understood.
    expect(digestMatches(PW, sha256Tagged(PW))).toBe(true);
    expect(isLegacyDigest(sha256Tagged(PW))).toBe(true);
  });

  it('show six hex digits taken from the slow hash, never from a fast hash of the value', () => {
    const m = map();
    const marker = redactInto(PW, m);
    const shown = renderValue(marker);
    expect(shown).toMatch(/^<secret:pg sha:[0-9a-f]{6}>$/);
    expect(shown).not.toContain(sha256Tagged(PW).slice(7, 13));
    const digest = (marker as unknown as { __secret_sha256: string }).__secret_sha256;
    expect(shown).toContain(digestDisplayHex(digest).slice(0, 6));
  });

  it('a state written by the spec (sha256 markers) plans as no change, and its markers are replaced when written', () => {
    const m = map();
    const legacy = { env: { PW: { __secret: 'pg', __secret_sha256: sha256Tagged(PW) } } };
    const state = stateWith(resourceState('demo_app', 'a', legacy));
    const plan = buildPlan([desiredResource('demo_app', 'a', { env: { PW } })], state, { redaction: m });
    expect(plan.steps[0]!.action).toBe('noop');
    const upgraded = redactInto(legacy as JsonObject, m, { forms: false });
    const [found] = markersIn(upgraded);
    expect(found!.name).toBe('pg');
    expect(isLegacyDigest(found!.digest)).toBe(false);
    expect(digestMatches(PW, found!.digest)).toBe(true);
  });

  it('keeps the salt the state already has for an unchanged secret (no churn), inline markers included', async () => {
    const first = map();
    const recorded = redactInto({ url: `db://app:${PW}@db`, pw: PW }, first, { forms: false });
    const stateDigests = markersIn(recorded).map((m) => m.digest);
    expect(new Set(stateDigests).size).toBe(1);

    const second = map();
    await second.settle(markersIn(recorded));
    const again = redactInto({ url: `db://app:${PW}@db`, pw: PW }, second, { forms: false });
    expect(again).toEqual(recorded);
    const plan = buildPlan(
      [desiredResource('demo_app', 'a', { url: `db://app:${PW}@db`, pw: PW })],
      stateWith(resourceState('demo_app', 'a', recorded)),
      { redaction: second },
    );
    expect(plan.steps[0]!.action).toBe('noop');
  });

  it('a rotated secret is an update shown marker to marker, with a new digest', async () => {
    const recorded = redactInto({ pw: PW }, map(), { forms: false });
    const rotated = map('another-long-password');
    await rotated.settle(markersIn(recorded));
    const plan = buildPlan(
      [desiredResource('demo_app', 'a', { pw: 'another-long-password' })],
      stateWith(resourceState('demo_app', 'a', recorded)),
      { redaction: rotated },
    );
    expect(plan.steps[0]!.action).toBe('update');
    const [change] = redactPlan(plan).steps[0]!.changes;
    expect(renderValue(change!.from)).toMatch(/^<secret:pg sha:[0-9a-f]{6}>$/);
    expect(renderValue(change!.to)).toMatch(/^<secret:pg sha:[0-9a-f]{6}>$/);
    expect(renderValue(change!.from)).not.toBe(renderValue(change!.to));
    expect(JSON.stringify(redactPlan(plan))).not.toContain('another-long-password');
  });

  it('refuses a marker that claims an absurd cost instead of spending it', () => {
    const absurd = `scrypt:30:${'0'.repeat(32)}:${'0'.repeat(64)}`;
    expect(digestMatches(PW, absurd)).toBe(false);
  });
});
