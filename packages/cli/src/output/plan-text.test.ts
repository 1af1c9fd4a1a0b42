import { createPlan } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { styler } from '../io';
import { builtinRegistry } from '../runtime';
import { renderPlanLines, secretDigestsFrom } from './plan-text';

describe('renderPlanLines', () => {
  it('prints symbols, changes, drift and the summary lines', () => {
    const plan = createPlan([
      {
        addr: { kind: 'docker_network', name: 'edge' },
        provider: 'docker',
        action: 'create',
        desired: {},
        prior: null,
        changes: [],
      },
      {
        addr: { kind: 'docker_container', name: 'traefik' },
        provider: 'docker',
        action: 'noop',
        desired: {},
        prior: {},
        changes: [],
        drift: { changes: [{ field: 'image', from: 'traefik:v2.11', to: 'traefik:v3.0' }], missing: false },
      },
      {
        addr: { kind: 'system_service', name: 'docker' },
        provider: 'system',
        action: 'noop',
        desired: {},
        prior: {},
        changes: [],
        drift: { changes: [], missing: true },
      },
    ]);
    expect(renderPlanLines(plan, styler(false))).toEqual([
      '+ docker_network.edge',
      '  docker_container.traefik',
      '    ! DRIFT: image: state="traefik:v2.11" observed="traefik:v3.0"',
      '  system_service.docker',
      '    ! DRIFT: resource missing on host (state says exists)',
      '',
      '1 create, 0 update, 0 delete, 2 no-op',
      'drift: 1 differ, 1 missing',
    ]);
  });

  it('says why a step re-runs: changed in this plan, or owed from an earlier apply', () => {
    const plan = createPlan([
      {
        addr: { kind: 'system_service', name: 'nginx' },
        provider: 'system',
        action: 'update',
        desired: {},
        prior: {},
        changes: [],
        trigger: { verb: 'restart', by: ['system_file.nginx_conf'], pending: [] },
      },
      {
        addr: { kind: 'ssh_exec', name: 'warm' },
        provider: 'ssh',
        action: 'update',
        desired: {},
        prior: {},
        changes: [],
        trigger: { verb: 're-run', by: ['git_repo.app'], pending: ['system_file.a', 'system_file.b'] },
      },
    ]);
    expect(renderPlanLines(plan, styler(false)).slice(0, 2)).toEqual([
      '~ system_service.nginx  (restart: system_file.nginx_conf changed)',
      '~ ssh_exec.warm  (re-run: git_repo.app changed; system_file.a, system_file.b changed in an earlier apply)',
    ]);
  });

  it('shows only a prefix of a secret file’s content digest', () => {
    const full = 'a1b2c3d4e5f6'.repeat(5);
    const plan = createPlan([
      {
        addr: { kind: 'system_secret_file', name: 'token' },
        provider: 'system',
        action: 'update',
        desired: {},
        prior: {},
        changes: [{ field: 'sha256', from: full, to: `ffffff${full.slice(6)}` }],
      },
    ]);
    // system_secret_file declares `content` secret and recorded as `sha256`: the kind says so, not a list here.
    const lines = renderPlanLines(plan, styler(false), secretDigestsFrom(builtinRegistry()));
    expect(lines[1]).toBe('    ~ sha256: "sha:a1b2c3" -> "sha:ffffff"');
    expect(lines.join('\n')).not.toContain(full);
  });

  it('prints a digest in full where the kind does not call its source secret', () => {
    const full = 'a1b2c3d4e5f6'.repeat(5);
    const plan = createPlan([
      {
        addr: { kind: 'ssh_file', name: 'motd' },
        provider: 'ssh',
        action: 'update',
        desired: {},
        prior: {},
        changes: [{ field: 'sha256', from: full, to: full.toUpperCase() }],
      },
    ]);
    const lines = renderPlanLines(plan, styler(false), secretDigestsFrom(builtinRegistry()));
    expect(lines[1]).toBe(`    ~ sha256: "${full}" -> "${full.toUpperCase()}"`);
  });
});
