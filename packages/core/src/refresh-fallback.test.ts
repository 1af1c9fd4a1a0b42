import { describe, expect, it } from 'vitest';
import { createPlan } from './plan/plan';
import { refreshPlan } from './refresh';
import { Registry } from './registry';
import { createFakeProvider } from './test/fake-provider';
import { plannedStep } from './test/plan-builders';
import { createRecordingTransport } from './test/recording-transport';
import { createTestContext } from './test/test-context';

describe('refreshPlan: a probe that cannot be built', () => {
  const nulProbe = {
    probe: () => ({ host: 'h', script: 'printf "a\0b"', parse: () => ({ status: 'absent' as const }) }),
  };
  const registry = new Registry([
    createFakeProvider('demo', {
      demo_nul: nulProbe,
      demo_nulread: { ...nulProbe, read: async () => ({ status: 'present', attrs: { via: 'read' } }) },
    }),
  ]);

  it('falls back to read when the probe script holds a NUL byte, and is unreadable without one', async () => {
    const transport = createRecordingTransport();
    const plan = createPlan([
      plannedStep('demo_nulread', 'a', { prior: { via: 'read' } }),
      plannedStep('demo_nul', 'b', { prior: { host: 'h' } }),
    ]);
    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));
    expect(transport.calls).toEqual([]);
    expect(refreshed.steps[0]?.drift).toEqual({ changes: [], missing: false, observed: { via: 'read' } });
    expect(refreshed.steps[1]?.drift?.unreadable).toBe('read failed: probe script contains a NUL byte');
  });
});
