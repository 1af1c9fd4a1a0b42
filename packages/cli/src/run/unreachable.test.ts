import { createPlan, type Drift, type PlannedResource } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { unreachableError, unreachableHosts } from './unreachable';

function step(name: string, host: string | undefined, drift?: Drift): PlannedResource {
  return {
    addr: { kind: 'demo_thing', name },
    provider: 'demo',
    action: 'noop',
    desired: host === undefined ? {} : { host },
    prior: host === undefined ? {} : { host },
    changes: [],
    ...(drift ? { drift } : {}),
  };
}

const down = (reason: string): Drift => ({
  changes: [],
  missing: false,
  unreadable: reason,
  unreachable: true,
});

describe('unreachableHosts', () => {
  it('names each host once, with its first message, in plan order; a kind that cannot tell is not counted', () => {
    const plan = createPlan([
      step('a', 'root@b', down('read failed: refused b')),
      step('b', 'root@a', down('read failed: refused a')),
      step('c', 'root@b', down('read failed: something else')),
      step('d', 'root@c', { changes: [], missing: false, unreadable: 'this kind cannot be read' }),
      step('e', undefined, down('read failed: no host field')),
    ]);
    expect(unreachableHosts(plan)).toEqual([
      { host: 'root@b', message: 'read failed: refused b' },
      { host: 'root@a', message: 'read failed: refused a' },
      { host: 'demo_thing.e', message: 'read failed: no host field' },
    ]);
  });
});

describe('unreachableError', () => {
  it('is undefined when every host was read', () => {
    expect(
      unreachableError(createPlan([step('a', 'root@a', { changes: [], missing: false })])),
    ).toBeUndefined();
  });

  it('says which run could not read the host, with the details and a hint', () => {
    const plan = createPlan([step('a', 'root@a', down('read failed: refused'))]);
    const refresh = unreachableError(plan);
    expect(refresh?.message).toBe('the refresh could not read a host, so the plan is incomplete:');
    expect(refresh?.details).toEqual(['  root@a: read failed: refused']);
    const check = unreachableError(plan, { selfCheck: true, details: ['The apply itself completed.'] });
    expect(check?.message).toBe(
      'the post-apply self-check could not read a host, so its drift report is incomplete:',
    );
    expect(check?.details).toEqual(['  root@a: read failed: refused', 'The apply itself completed.']);
    expect(check?.hint).toMatch(/still works/);
    expect(check?.code).toBe('HostUnreachable');
  });
});
