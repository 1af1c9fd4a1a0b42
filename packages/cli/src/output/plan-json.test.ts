import { createPlan } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { expectMatchesSchema, publishedValidator } from '../__tests__/json-schemas';
import { planDocument } from './plan-json';

/** A plan with every shape a step can take: create, update, delete, drift, a trigger, a secret marker. */
function samplePlan() {
  return createPlan(
    [
      {
        addr: { kind: 'docker_network', name: 'edge' },
        provider: 'docker',
        action: 'create',
        desired: { name: 'edge', labels: {} },
        prior: null,
        changes: [],
      },
      {
        addr: { kind: 'docker_container', name: 'app' },
        provider: 'docker',
        action: 'update',
        desired: { image: 'app:2', env: { PG: { __secret: 'pg', __secret_sha256: 'sha256:ab' } } },
        prior: { image: 'app:1', env: { PG: { __secret: 'pg', __secret_sha256: 'sha256:ab' } } },
        changes: [{ field: 'image', from: 'app:1', to: 'app:2' }],
        drift: {
          changes: [{ field: 'ports.0', from: 80, to: null }],
          missing: false,
          observed: { image: 'app:1', ports: [] },
        },
        trigger: { verb: 'restart', by: ['docker_network.edge'], pending: [] },
      },
      {
        addr: { kind: 'system_service', name: 'nginx' },
        provider: 'system',
        action: 'noop',
        desired: { name: 'nginx' },
        prior: { name: 'nginx' },
        changes: [],
        drift: { changes: [], missing: false, unreadable: 'connection refused', unreachable: true },
      },
      {
        addr: { kind: 'system_file', name: 'old' },
        provider: 'system',
        action: 'delete',
        desired: null,
        prior: { path: '/etc/old' },
        changes: [],
        drift: { changes: [], missing: true },
      },
    ],
    ['port range 8000-9000 was not checked'],
  );
}

const sources = {
  mode: 'namespace' as const,
  namespace: 'web',
  configs: ['/srv/stratum.strat'],
  statePath: '/srv/.stratum/web.json',
};

/** The document as the CLI prints it: through JSON, so `undefined` fields are gone. */
function printed() {
  return JSON.parse(JSON.stringify(planDocument(samplePlan(), sources)));
}

describe('plan --json schema', () => {
  it('accepts the document the CLI renders from a real plan', () => {
    const document = printed();
    expectMatchesSchema('plan', document);
    expect(document.steps.map((step: { action: string }) => step.action)).toEqual([
      'create',
      'update',
      'noop',
      'delete',
    ]);
  });

  it('rejects a malformed document: an unknown action, a missing field, a wrong type', () => {
    const validate = publishedValidator('plan');
    const unknownAction = printed();
    unknownAction.steps[0].action = 'replace';
    expect(validate(unknownAction)).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/steps/0/action');

    const missing = printed();
    delete missing.summary;
    expect(validate(missing)).toBe(false);

    const wrongType = printed();
    wrongType.refreshed = 'yes';
    expect(validate(wrongType)).toBe(false);
  });
});
