import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import { secretMarker } from '../secrets/markers';
import { RedactionMap, sha256Hex } from '../secrets/redaction-map';
import type { DesiredResource, JsonObject, ResourceState, State } from '../types';
import { buildPlan } from './build-plan';
import { redactPlan } from './redact-plan';

const PG = 'correcthorsebatterystaple';
const HOST = 'root@192.0.2.10';

function desired(key: string, attrs: JsonObject): DesiredResource {
  const dot = key.indexOf('.');
  const kind = key.slice(0, dot);
  return { addr: { kind, name: key.slice(dot + 1) }, provider: kind.split('_')[0]!, attrs };
}

function state(...entries: [string, JsonObject][]): State {
  const resources: Record<string, ResourceState> = {};
  for (const [key, attrs] of entries) {
    const { addr, provider } = desired(key, {});
    resources[key] = { addr, provider, attrs };
  }
  return { version: 1, resources };
}

const keysOf = (steps: readonly { addr: { kind: string; name: string } }[]) =>
  steps.map((s) => `${s.addr.kind}.${s.addr.name}`);

describe('buildPlan', () => {
  it('classifies create, update, noop and delete', () => {
    const plan = buildPlan(
      [
        desired('docker_container.new', { host: HOST, image: 'a' }),
        desired('docker_container.same', { host: HOST, image: 'a' }),
        desired('docker_container.changed', { host: HOST, image: 'traefik:v3.0', env: { A: '1' } }),
      ],
      state(
        ['docker_container.same', { host: HOST, image: 'a', container_id: 'abc' }],
        ['docker_container.changed', { host: HOST, image: 'traefik:v2.11', container_id: 'def' }],
        ['docker_container.gone', { host: HOST, image: 'x' }],
      ),
    );
    expect(plan.steps.map((s) => [keysOf([s])[0], s.action])).toEqual([
      ['docker_container.new', 'create'],
      ['docker_container.same', 'noop'],
      ['docker_container.changed', 'update'],
      ['docker_container.gone', 'delete'],
    ]);
    expect(plan.steps[2]?.changes).toEqual([
      { field: 'env', from: null, to: { A: '1' } },
      { field: 'image', from: 'traefik:v2.11', to: 'traefik:v3.0' },
    ]);
    expect(plan.steps[0]?.prior).toBeNull();
    expect(plan.steps[3]?.desired).toBeNull();
    expect(plan.steps[3]?.prior).toEqual({ host: HOST, image: 'x' });
    expect(plan.summary()).toEqual({
      create: 1,
      update: 1,
      delete: 1,
      noop: 1,
      drifted: 0,
      missing: 0,
      unreadable: 0,
    });
    expect(Object.isFrozen(plan.steps[2]?.changes)).toBe(true);
  });

  it('orders creates and updates by depends_on, then deletes', () => {
    const plan = buildPlan(
      [
        desired('docker_container.api', { host: HOST, image: 'api', depends_on: ['docker_container.db'] }),
        desired('docker_container.db', { host: HOST, image: 'pg' }),
      ],
      state(
        ['docker_container.old_api', { host: HOST, depends_on: ['docker_container.old_db'] }],
        ['docker_container.old_db', { host: HOST }],
      ),
    );
    expect(keysOf(plan.steps)).toEqual([
      'docker_container.db',
      'docker_container.api',
      'docker_container.old_api',
      'docker_container.old_db',
    ]);
  });

  it('rejects two desired resources with one address', () => {
    const a = desired('docker_container.db', { host: HOST });
    const b = {
      ...desired('docker_container.db', { host: HOST }),
      source: { block: { file: 'b.strat', line: 3, column: 1 }, attrs: {} },
    };
    const err = (() => {
      try {
        buildPlan([a, b], state());
      } catch (e) {
        return e;
      }
    })();
    expect(StratumError.hasCode(err, 'DuplicateDesired')).toBe(true);
    expect((err as Error).message).toBe(
      'resource `docker_container.db` is declared twice: at <unknown> and at b.strat:3:1',
    );
  });

  it('runs the validators', () => {
    expect(() =>
      buildPlan(
        [
          desired('docker_container.a', { host: HOST, ports: ['80:80'] }),
          desired('docker_container.b', { host: HOST, ports: ['0.0.0.0:80:80'] }),
        ],
        state(),
      ),
    ).toThrow(/port conflict/);
    expect(() =>
      buildPlan(
        [desired('docker_container.a', { host: HOST, depends_on: ['docker_container.nope'] })],
        state(),
      ),
    ).toThrow(/unknown resource/);
    const plan = buildPlan(
      [desired('docker_container.a', { host: HOST, ports: ['8000-8010:8000-8010'] })],
      state(),
    );
    expect(plan.warnings).toHaveLength(1);
  });

  it('compares system_secret_file content by its sha256, never showing it', () => {
    const content = '{"private_key": "-----BEGIN KEY-----"}';
    const attrs = { host: HOST, path: '/etc/app/sa.json', mode: '0400', content };
    const same = buildPlan(
      [desired('system_secret_file.sa', attrs)],
      state([
        'system_secret_file.sa',
        {
          host: HOST,
          path: '/etc/app/sa.json',
          mode: '0400',
          owner: 'root',
          group: 'root',
          sha256: sha256Hex(content),
        },
      ]),
    );
    expect(same.steps[0]?.action).toBe('noop');
    // Apply still gets the content.
    expect((same.steps[0]!.desired as JsonObject).content).toBe(content);

    const changed = buildPlan(
      [desired('system_secret_file.sa', attrs)],
      state(['system_secret_file.sa', { host: HOST, path: '/etc/app/sa.json', mode: '0400', sha256: 'old' }]),
    );
    expect(changed.steps[0]?.changes).toEqual([{ field: 'sha256', from: 'old', to: sha256Hex(content) }]);
    expect(JSON.stringify(changed.steps[0]?.changes)).not.toContain('BEGIN KEY');
  });

  it('sees no change between a state marker and the same plaintext', () => {
    const plan = buildPlan(
      [desired('docker_container.db', { host: HOST, env: { POSTGRES_PASSWORD: PG } })],
      state(['docker_container.db', { host: HOST, env: { POSTGRES_PASSWORD: secretMarker('pg', PG) } }]),
    );
    expect(plan.steps[0]?.action).toBe('noop');
  });

  describe('safety: a plan built with a redaction map never prints plaintext', () => {
    const redaction = new RedactionMap();
    redaction.add('pg', PG);
    const plan = buildPlan(
      [
        desired('docker_container.db', { host: HOST, env: { POSTGRES_PASSWORD: PG } }),
        desired('docker_container.app', {
          host: HOST,
          env: { DATABASE_URL: `postgresql://app:${PG}@db:5432/app` },
        }),
      ],
      state(
        ['docker_container.db', { host: HOST, env: { POSTGRES_PASSWORD: 'previous-plain-value' } }],
        ['docker_container.app', { host: HOST, env: { DATABASE_URL: 'postgresql://app@db:5432/app' } }],
      ),
      { redaction },
    );

    it('keeps plaintext in the steps for apply', () => {
      expect(plan.steps[0]?.desired).toEqual({ host: HOST, env: { POSTGRES_PASSWORD: PG } });
    });

    it('hides it from JSON.stringify, util.inspect, console-style formatting and redactPlan', () => {
      for (const shown of [
        JSON.stringify(plan),
        JSON.stringify({ plan }),
        inspect(plan, { depth: Number.POSITIVE_INFINITY }),
        `${inspect([plan])}`,
        JSON.stringify(redactPlan(plan)),
        JSON.stringify(redactPlan(plan).steps),
      ]) {
        expect(shown).not.toContain(PG);
      }
      const json = JSON.parse(JSON.stringify(plan));
      expect(json.steps[0].changes).toEqual([
        { field: 'env.POSTGRES_PASSWORD', from: 'previous-plain-value', to: secretMarker('pg', PG) },
      ]);
      expect(json.steps[1].changes[0].to).toMatch(
        /^postgresql:\/\/app:<secret:pg:sha256:[0-9a-f]{64}>@db:5432\/app$/,
      );
    });
  });
});
