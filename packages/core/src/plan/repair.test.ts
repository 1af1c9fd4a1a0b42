import { describe, expect, it } from 'vitest';
import type { PlannedResource } from '../types';
import { createPlan } from './plan';
import { planRepairs, repairCount } from './repair';

const step = (name: string, extra: Partial<PlannedResource>): PlannedResource => ({
  addr: { kind: 'system_file', name },
  provider: 'system',
  action: 'noop',
  desired: { host: 'h', path: `/etc/${name}`, content: 'x' },
  prior: { host: 'h', path: `/etc/${name}`, mode: '0644', sha256: 'aaa' },
  changes: [],
  ...extra,
});

describe('planRepairs', () => {
  it('recreates what is gone, updates what differs, leaves the rest', () => {
    const plan = createPlan([
      step('gone', { drift: { changes: [], missing: true } }),
      step('edited', {
        drift: {
          changes: [{ field: 'sha256', from: 'aaa', to: 'bbb' }],
          missing: false,
          observed: { host: 'h', path: '/etc/edited', mode: '0644', sha256: 'bbb' },
        },
      }),
      step('clean', { drift: { changes: [], missing: false, observed: { sha256: 'aaa' } } }),
      step('unknown', { drift: { changes: [], missing: false, unreadable: 'no read' } }),
      step('old', { action: 'delete', desired: null, drift: { changes: [], missing: true } }),
    ]);
    expect(repairCount(plan)).toBe(2);
    const repaired = planRepairs(plan);
    expect(repaired.steps.map((s) => s.action)).toEqual(['create', 'update', 'noop', 'noop', 'delete']);
    const edited = repaired.steps[1]!;
    expect(edited.changes).toEqual([{ field: 'sha256', from: 'bbb', to: 'aaa' }]);
    // The provider compares against what is really on the host, so it does not skip the upload.
    expect(edited.prior).toEqual({ host: 'h', path: '/etc/edited', mode: '0644', sha256: 'bbb' });
    expect(repaired.summary()).toMatchObject({ create: 1, update: 1, noop: 2, delete: 1 });
  });

  it('takes a reported map whole: an entry gone on the host is gone from the repaired prior', () => {
    const plan = createPlan([
      step('site', {
        prior: {
          host: 'h',
          manifest: { 'a.html': 'h1', 'b.css': 'h2' },
          manifest_sha256: 'm1',
          file_count: 2,
        },
        drift: {
          changes: [{ field: 'manifest.b.css', from: 'h2', to: null }],
          missing: false,
          observed: { host: 'h', manifest: { 'a.html': 'h1' }, manifest_sha256: 'm2' },
        },
      }),
    ]);
    expect(planRepairs(plan).steps[0]?.prior).toEqual({
      host: 'h',
      manifest: { 'a.html': 'h1' },
      manifest_sha256: 'm2',
      file_count: 2,
    });
  });

  it('keeps an update an update, with the observed prior', () => {
    const plan = createPlan([
      step('both', {
        action: 'update',
        changes: [{ field: 'content', from: null, to: 'x' }],
        drift: {
          changes: [{ field: 'mode', from: '0644', to: '0600' }],
          missing: false,
          observed: { mode: '0600', nested: { a: 1 } },
        },
      }),
    ]);
    const [repaired] = planRepairs(plan).steps;
    expect(repaired?.action).toBe('update');
    expect(repaired?.changes).toEqual([{ field: 'content', from: null, to: 'x' }]);
    expect(repaired?.prior).toEqual({
      host: 'h',
      path: '/etc/both',
      mode: '0600',
      sha256: 'aaa',
      nested: { a: 1 },
    });
  });
});
