import { describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import { createPlan } from '../plan/plan';
import { unresolvedPlaceholder } from '../secrets/markers';
import { plannedStep } from '../test/plan-builders';
import { checkGuards, DestroyRefusedError } from './guards';

const create = (name: string, desired: object) =>
  plannedStep('demo_thing', name, { action: 'create', desired: desired as never, prior: null });
const remove = (name: string) =>
  plannedStep('demo_thing', name, { action: 'delete', desired: null, prior: { host: 'h' } });

describe('checkGuards', () => {
  it('passes a plan without deletes or placeholders', () => {
    expect(() => checkGuards(createPlan([create('a', { host: 'h' })]))).not.toThrow();
    expect(() => checkGuards(createPlan([]))).not.toThrow();
  });

  it('refuses deletes without allowDestroy, listing every address', () => {
    const plan = createPlan([create('a', { host: 'h' }), remove('old'), remove('older')]);
    let error: unknown;
    try {
      checkGuards(plan);
    } catch (e) {
      error = e;
    }
    expect(DestroyRefusedError.isInstance(error)).toBe(true);
    const refused = error as DestroyRefusedError;
    expect(refused.code).toBe('DestroyRefused');
    expect(refused.name).toBe('DestroyRefusedError');
    expect(refused.message).toBe('refusing to apply: plan would delete 2 resources not in config:');
    expect(refused.details).toEqual(['  - demo_thing.old', '  - demo_thing.older']);
    expect(refused.addresses).toEqual(['demo_thing.old', 'demo_thing.older']);
    expect(Object.isFrozen(refused.addresses)).toBe(true);
    expect(refused.hint).toMatch(/--allow-destroy/);
    expect(() => checkGuards(plan, { allowDestroy: true })).not.toThrow();
  });

  it('says `resource` for one', () => {
    expect(() => checkGuards(createPlan([remove('old')]))).toThrow(
      'refusing to apply: plan would delete 1 resource not in config:',
    );
  });

  it('refuses an unresolved-secret placeholder anywhere in desired attrs, even with allowDestroy', () => {
    const plan = createPlan([
      create('a', { host: 'h' }),
      create('b', { host: 'h', env: { URL: `postgres://app:${unresolvedPlaceholder('pg')}@db` } }),
    ]);
    let error: unknown;
    try {
      checkGuards(plan, { allowDestroy: true });
    } catch (e) {
      error = e;
    }
    expect(StratumError.hasCode(error, 'UnresolvedSecret')).toBe(true);
    expect((error as Error).message).toBe(
      'refusing to apply: plan contains unresolved-secret placeholder for `pg`',
    );
    expect((error as StratumError).hint).toMatch(/--allow-unresolved-secrets/);
  });

  it('checks the destruction guard first', () => {
    const plan = createPlan([create('b', { v: unresolvedPlaceholder('pg') }), remove('old')]);
    expect(() => checkGuards(plan)).toThrow(DestroyRefusedError);
  });
});
