import { describe, expect, it } from 'vitest';
import { plannedStep } from './plan-builders';
import { desiredResource, resourceState, stateWith } from './state-builders';

describe('state builders', () => {
  it('builds state and desired resources', () => {
    expect(stateWith(resourceState('docker_container', 'web', { host: 'h' }))).toEqual({
      version: 1,
      resources: {
        'docker_container.web': {
          addr: { kind: 'docker_container', name: 'web' },
          provider: 'docker',
          attrs: { host: 'h' },
        },
      },
    });
    expect(desiredResource('system_file', 'f', { path: '/x' })).toEqual({
      addr: { kind: 'system_file', name: 'f' },
      provider: 'system',
      attrs: { path: '/x' },
    });
  });
});

describe('plannedStep', () => {
  it('defaults to a noop whose desired equals its prior', () => {
    expect(plannedStep('docker_container', 'web', { prior: { host: 'h' } })).toEqual({
      addr: { kind: 'docker_container', name: 'web' },
      provider: 'docker',
      action: 'noop',
      prior: { host: 'h' },
      desired: { host: 'h' },
      changes: [],
    });
    expect(
      plannedStep('docker_container', 'web', { action: 'delete', prior: { host: 'h' }, desired: null })
        .desired,
    ).toBe(null);
  });
});
