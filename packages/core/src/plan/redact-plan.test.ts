import { describe, expect, it } from 'vitest';
import { inlineMarker, markerFromDigest } from '../secrets/markers';
import { RedactionMap, sha256Tagged } from '../secrets/redaction-map';
import type { PlannedResource } from '../types';
import { createPlan, withDrift } from './plan';
import { redactPlan } from './redact-plan';

const PG = 'CORRECTHORSEBATTERY';
const redaction = new RedactionMap({ digestCost: 4 });
redaction.add('pg', PG);
const url = (pw: string) => `postgresql://app:${pw}@db/app`;
/** What this run writes for the secret. */
const digest = redaction.byName('pg')!.digest;
const marker = markerFromDigest('pg', digest);
const marked = url(inlineMarker('pg', digest));
/** What a state written by the spec holds for it. */
const legacyMarker = markerFromDigest('pg', sha256Tagged(PG));
const legacyMarked = url(inlineMarker('pg', sha256Tagged(PG)));
const plain = url(PG);

function update(changes: PlannedResource['changes']): PlannedResource {
  return {
    addr: { kind: 'docker_container', name: 'app' },
    provider: 'docker',
    action: 'update',
    desired: { env: { URL: plain, PW: PG } },
    prior: { env: { URL: legacyMarked, PW: legacyMarker } },
    changes,
  };
}

describe('redactPlan', () => {
  it('redacts desired, prior and changes', () => {
    const plan = redactPlan(createPlan([update([{ field: 'env.URL', from: 'old', to: plain }])]), redaction);
    const step = plan.steps[0]!;
    expect(digest).toMatch(/^scrypt:/);
    expect(step.desired).toEqual({ env: { URL: marked, PW: marker } });
    // The spec's sha256 markers in prior are understood, and shown with this run's digest.
    expect(step.prior).toEqual({ env: { URL: marked, PW: marker } });
    expect(step.changes).toEqual([{ field: 'env.URL', from: 'old', to: marked }]);
    expect(step.action).toBe('update');
    expect(Object.isFrozen(plan.steps[0]!.desired)).toBe(true);
  });

  it('drops changes that redaction cancels and downgrades an empty update to noop', () => {
    for (const from of [marked, legacyMarked]) {
      const plan = redactPlan(createPlan([update([{ field: 'env.URL', from, to: plain }])]), redaction);
      expect(plan.steps[0]!.changes).toEqual([]);
      expect(plan.steps[0]!.action).toBe('noop');
      expect(plan.summary().noop).toBe(1);
    }
  });

  it('keeps a change from a marker of another value (a rotation)', () => {
    const earlier = new RedactionMap({ digestCost: 4 });
    earlier.add('pg', 'THE-PREVIOUS-PASSWORD');
    const from = url(inlineMarker('pg', earlier.byName('pg')!.digest));
    const plan = redactPlan(createPlan([update([{ field: 'env.URL', from, to: plain }])]), redaction);
    expect(plan.steps[0]!.changes).toEqual([{ field: 'env.URL', from, to: marked }]);
    expect(plan.steps[0]!.action).toBe('update');
  });

  it('redacts drift and drops cancelled drift changes', () => {
    const base = createPlan([{ ...update([]), action: 'noop' }]);
    const drifted = withDrift(
      base,
      new Map([
        [
          'docker_container.app',
          {
            changes: [
              { field: 'env.URL', from: legacyMarked, to: plain },
              { field: 'image', from: 'a', to: `b-${PG}` },
            ],
            missing: false,
          },
        ],
      ]),
    );
    const plan = redactPlan(drifted, redaction);
    expect(plan.steps[0]!.drift).toEqual({
      changes: [{ field: 'image', from: 'a', to: `b-${inlineMarker('pg', digest)}` }],
      missing: false,
    });
    expect(plan.summary().drifted).toBe(1);
  });

  it('without a map, returns the plan unchanged', () => {
    const plan = createPlan([update([])]);
    expect(redactPlan(plan)).toBe(plan);
  });
});
