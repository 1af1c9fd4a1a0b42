import { describe, expect, it } from 'vitest';
import { inlineMarker, secretMarker } from '../secrets/markers';
import { RedactionMap, sha256Tagged } from '../secrets/redaction-map';
import type { PlannedResource } from '../types';
import { createPlan, withDrift } from './plan';
import { redactPlan } from './redact-plan';

const PG = 'CORRECTHORSEBATTERY';
const redaction = new RedactionMap();
redaction.add('pg', PG);
const marked = `postgresql://app:${inlineMarker('pg', sha256Tagged(PG))}@db/app`;
const plain = `postgresql://app:${PG}@db/app`;

function update(changes: PlannedResource['changes']): PlannedResource {
  return {
    addr: { kind: 'docker_container', name: 'app' },
    provider: 'docker',
    action: 'update',
    desired: { env: { URL: plain, PW: PG } },
    prior: { env: { URL: marked, PW: secretMarker('pg', PG) } },
    changes,
  };
}

describe('redactPlan', () => {
  it('redacts desired, prior and changes', () => {
    const plan = redactPlan(createPlan([update([{ field: 'env.URL', from: 'old', to: plain }])]), redaction);
    const step = plan.steps[0]!;
    expect(step.desired).toEqual({ env: { URL: marked, PW: secretMarker('pg', PG) } });
    expect(step.prior).toEqual({ env: { URL: marked, PW: secretMarker('pg', PG) } });
    expect(step.changes).toEqual([{ field: 'env.URL', from: 'old', to: marked }]);
    expect(step.action).toBe('update');
    expect(Object.isFrozen(plan.steps[0]!.desired)).toBe(true);
  });

  it('drops changes that redaction cancels and downgrades an empty update to noop', () => {
    const plan = redactPlan(createPlan([update([{ field: 'env.URL', from: marked, to: plain }])]), redaction);
    expect(plan.steps[0]!.changes).toEqual([]);
    expect(plan.steps[0]!.action).toBe('noop');
    expect(plan.summary().noop).toBe(1);
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
              { field: 'env.URL', from: marked, to: plain },
              { field: 'image', from: 'a', to: `b-${PG}` },
            ],
            missing: false,
          },
        ],
      ]),
    );
    const plan = redactPlan(drifted, redaction);
    expect(plan.steps[0]!.drift).toEqual({
      changes: [{ field: 'image', from: 'a', to: `b-${inlineMarker('pg', sha256Tagged(PG))}` }],
      missing: false,
    });
    expect(plan.summary().drifted).toBe(1);
  });

  it('without a map, returns the plan unchanged', () => {
    const plan = createPlan([update([])]);
    expect(redactPlan(plan)).toBe(plan);
  });
});
