import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { inlineMarker, markerFromDigest } from '../secrets/markers';
import { RedactionMap } from '../secrets/redaction-map';
import type { Drift, PlannedResource } from '../types';
import { createPlan, withDrift } from './plan';
import { redactPlan } from './redact-plan';

const PG = 'correcthorsebatterystaple';

function step(
  name: string,
  action: PlannedResource['action'],
  extra: Partial<PlannedResource> = {},
): PlannedResource {
  return {
    addr: { kind: 'docker_container', name },
    provider: 'docker',
    action,
    desired: action === 'delete' ? null : { image: 'x' },
    prior: action === 'create' ? null : { image: 'x' },
    changes: [],
    ...extra,
  };
}

describe('createPlan', () => {
  it('is deep-frozen and detached from its inputs', () => {
    const desired = { image: 'x', env: { A: '1' } };
    const plan = createPlan([step('a', 'create', { desired })]);
    desired.env.A = 'changed';
    expect(plan.steps[0]?.desired).toEqual({ image: 'x', env: { A: '1' } });
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.steps)).toBe(true);
    expect(Object.isFrozen((plan.steps[0]!.desired as { env: object }).env)).toBe(true);
    expect(Object.isFrozen(desired)).toBe(false);
    expect(() => {
      (plan.steps as PlannedResource[]).push(step('b', 'noop'));
    }).toThrow();
  });

  it('summarises actions', () => {
    const plan = createPlan(
      [step('a', 'create'), step('b', 'update'), step('c', 'noop'), step('d', 'delete')],
      ['w'],
    );
    expect(plan.summary()).toEqual({
      create: 1,
      update: 1,
      delete: 1,
      noop: 1,
      drifted: 0,
      missing: 0,
      unreadable: 0,
      unreachable: 0,
    });
    expect(plan.warnings).toEqual(['w']);
    expect(plan.wasRefreshed()).toBe(false);
  });
});

describe('withDrift', () => {
  it('annotates steps by address and counts drift; missing excludes deletes', () => {
    const plan = createPlan([step('a', 'noop'), step('b', 'noop'), step('c', 'delete'), step('d', 'noop')]);
    const drift = new Map<string, Drift>([
      ['docker_container.a', { changes: [{ field: 'image', from: 'x', to: 'y' }], missing: false }],
      ['docker_container.b', { changes: [], missing: true }],
      ['docker_container.c', { changes: [], missing: true }],
      ['docker_container.d', { changes: [], missing: false, unreadable: 'read failed: boom' }],
    ]);
    const refreshed = withDrift(plan, drift);
    expect(plan.wasRefreshed()).toBe(false);
    expect(refreshed.wasRefreshed()).toBe(true);
    expect(refreshed.summary()).toEqual({
      create: 0,
      update: 0,
      delete: 1,
      noop: 3,
      drifted: 1,
      missing: 1,
      unreadable: 1,
      unreachable: 0,
    });
    expect(refreshed.steps[3]?.drift).toEqual({
      changes: [],
      missing: false,
      unreadable: 'read failed: boom',
    });
    expect(Object.isFrozen(refreshed.steps[0]?.drift?.changes)).toBe(true);
  });
});

describe('printing a plan by accident', () => {
  const redaction = new RedactionMap({ digestCost: 4 });
  redaction.add('pg', PG);
  /** What an earlier run recorded in state: a marker of the same value with its own salt. */
  const earlier = new RedactionMap({ digestCost: 4 });
  earlier.add('pg', PG);
  const recorded = markerFromDigest('pg', earlier.byName('pg')!.digest);
  const plan = createPlan(
    [
      step('db', 'update', {
        desired: { env: { PW: PG }, url: `postgres://app:${PG}@db` },
        prior: { env: { PW: recorded }, url: 'postgres://old@db' },
        changes: [{ field: 'url', from: 'postgres://old@db', to: `postgres://app:${PG}@db` }],
      }),
    ],
    [],
    { redaction },
  );

  it('shows the redacted view in JSON and inspect output', () => {
    for (const shown of [
      JSON.stringify(plan),
      inspect(plan),
      inspect({ nested: plan }, { depth: 10 }),
      JSON.stringify(plan.steps),
      inspect(plan.steps, { depth: 10 }),
      inspect(plan.steps[0]),
    ]) {
      expect(shown).not.toContain(PG);
    }
    const digest = redaction.byName('pg')!.digest;
    expect(digest).toMatch(/^scrypt:/);
    expect(JSON.stringify(plan)).toContain(JSON.stringify(inlineMarker('pg', digest)).slice(1, -1));
    // The recorded marker of the same value is shown with this run's digest: one value, one marker.
    expect(JSON.stringify(plan)).toContain(JSON.stringify(markerFromDigest('pg', digest)));
    expect(JSON.stringify(plan)).not.toContain(recorded.__secret_sha256);
    // The plan itself keeps plaintext: apply needs it.
    expect((plan.steps[0]!.desired as { env: { PW: string } }).env.PW).toBe(PG);
  });

  it('redactPlan uses the map the plan was built with', () => {
    expect(JSON.stringify(redactPlan(plan).steps)).not.toContain(PG);
  });
});

describe('plan values with a __proto__ key', () => {
  it('keep it as an own property', () => {
    const desired = JSON.parse('{"labels": {"__proto__": "x"}}');
    const plan = createPlan([step('a', 'create', { desired })]);
    expect(JSON.stringify(plan.steps[0]!.desired)).toBe('{"labels":{"__proto__":"x"}}');
  });
});

describe('steps of a plan with a redaction map', () => {
  it('hold the same enumerable data as any step', () => {
    const redaction = new RedactionMap({ digestCost: 4 });
    redaction.add('pg', PG);
    const input = step('a', 'create', { desired: { pw: PG } });
    const guarded = createPlan([input], [], { redaction }).steps[0]!;
    const plain = createPlan([input]).steps[0]!;
    expect(Object.keys(guarded)).toEqual(['addr', 'provider', 'action', 'desired', 'prior', 'changes']);
    expect({ ...guarded }).toEqual({ ...plain });
    expect(Object.isFrozen(guarded)).toBe(true);
    expect(JSON.stringify(guarded)).not.toContain(PG);
  });
});
