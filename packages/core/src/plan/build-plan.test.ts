import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Claim } from '../claims/claims';
import { StratumError } from '../errors';
import { Registry } from '../registry';
import { inlineMarker, markerFromDigest } from '../secrets/markers';
import { RedactionMap, sha256Hex, sha256Tagged } from '../secrets/redaction-map';
import { createFakeProvider } from '../test/fake-provider';
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
        desired('demo_container.new', { host: HOST, image: 'a' }),
        desired('demo_container.same', { host: HOST, image: 'a' }),
        desired('demo_container.changed', { host: HOST, image: 'traefik:v3.0', env: { A: '1' } }),
      ],
      state(
        ['demo_container.same', { host: HOST, image: 'a', container_id: 'abc' }],
        ['demo_container.changed', { host: HOST, image: 'traefik:v2.11', container_id: 'def' }],
        ['demo_container.gone', { host: HOST, image: 'x' }],
      ),
    );
    expect(plan.steps.map((s) => [keysOf([s])[0], s.action])).toEqual([
      ['demo_container.new', 'create'],
      ['demo_container.same', 'noop'],
      ['demo_container.changed', 'update'],
      ['demo_container.gone', 'delete'],
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
      unreachable: 0,
    });
    expect(Object.isFrozen(plan.steps[2]?.changes)).toBe(true);
  });

  it('orders creates and updates by depends_on, then deletes', () => {
    const plan = buildPlan(
      [
        desired('demo_container.api', { host: HOST, image: 'api', depends_on: ['demo_container.db'] }),
        desired('demo_container.db', { host: HOST, image: 'pg' }),
      ],
      state(
        ['demo_container.old_api', { host: HOST, depends_on: ['demo_container.old_db'] }],
        ['demo_container.old_db', { host: HOST }],
      ),
    );
    expect(keysOf(plan.steps)).toEqual([
      'demo_container.db',
      'demo_container.api',
      'demo_container.old_api',
      'demo_container.old_db',
    ]);
  });

  it('rejects two desired resources with one address', () => {
    const a = desired('demo_container.db', { host: HOST });
    const b = {
      ...desired('demo_container.db', { host: HOST }),
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
      'resource `demo_container.db` is declared twice: at <unknown> and at b.strat:3:1',
    );
  });

  it('runs the validators: claims through the registry, then depends_on', () => {
    // A demo kind whose `claims` hook turns `[bind:]host:container` into port claims;
    // `0.0.0.0` means every interface, a range is only noted as unchecked.
    const claiming = new Registry([
      createFakeProvider('demo', {
        demo_service: {
          schema: z.strictObject({
            host: z.string(),
            ports: z.array(z.string()).default([]),
          }),
          claims: ({ attrs }) => {
            const claims: Claim[] = [];
            const unchecked: string[] = [];
            for (const label of attrs.ports as string[]) {
              const parts = label.split(':');
              const hostPort = parts.length === 3 ? parts[1]! : parts[0]!;
              const bind = parts.length === 3 && parts[0] !== '0.0.0.0' ? parts[0] : undefined;
              if (hostPort.includes('-')) {
                unchecked.push(`port range \`${label}\` is not checked for conflicts`);
                continue;
              }
              claims.push({ type: 'port', port: Number(hostPort), protocol: 'tcp', bind, label });
            }
            return { host: attrs.host as string, claims, unchecked };
          },
        },
      }),
    ]);
    expect(() =>
      buildPlan(
        [
          desired('demo_service.a', { host: HOST, ports: ['80:80'] }),
          desired('demo_service.b', { host: HOST, ports: ['0.0.0.0:80:80'] }),
        ],
        state(),
        { registry: claiming },
      ),
    ).toThrow(/port conflict/);
    // Without a registry no claims are checked.
    expect(
      buildPlan(
        [
          desired('demo_service.a', { host: HOST, ports: ['80:80'] }),
          desired('demo_service.b', { host: HOST, ports: ['0.0.0.0:80:80'] }),
        ],
        state(),
      ).steps,
    ).toHaveLength(2);
    expect(() =>
      buildPlan([desired('demo_service.a', { host: HOST, depends_on: ['demo_service.nope'] })], state(), {
        registry: claiming,
      }),
    ).toThrow(/unknown resource/);
    const plan = buildPlan(
      [desired('demo_service.a', { host: HOST, ports: ['8000-8010:8000-8010'] })],
      state(),
      { registry: claiming },
    );
    expect(plan.warnings).toEqual([
      '`demo_service.a`: port range `8000-8010:8000-8010` is not checked for conflicts',
    ]);
  });

  it('compares a digested secret attribute by its sha256 (registry digests), never showing it', () => {
    const registry = new Registry([
      createFakeProvider('demo', {
        demo_secret: { digests: { content: 'sha256' }, secrets: { attrs: ['content'] } },
      }),
    ]);
    const content = '{"private_key": "-----BEGIN KEY-----"}';
    const attrs = { host: HOST, path: '/etc/app/sa.json', mode: '0400', content };
    const same = buildPlan(
      [desired('demo_secret.sa', attrs)],
      state([
        'demo_secret.sa',
        {
          host: HOST,
          path: '/etc/app/sa.json',
          mode: '0400',
          owner: 'root',
          group: 'root',
          sha256: sha256Hex(content),
        },
      ]),
      { registry },
    );
    expect(same.steps[0]?.action).toBe('noop');
    // Apply still gets the content.
    expect((same.steps[0]!.desired as JsonObject).content).toBe(content);

    const changed = buildPlan(
      [desired('demo_secret.sa', attrs)],
      state(['demo_secret.sa', { host: HOST, path: '/etc/app/sa.json', mode: '0400', sha256: 'old' }]),
      { registry },
    );
    expect(changed.steps[0]?.changes).toEqual([{ field: 'sha256', from: 'old', to: sha256Hex(content) }]);
    expect(JSON.stringify(changed.steps[0]?.changes)).not.toContain('BEGIN KEY');

    // A precomputed view wins over the registry's digests.
    const viewed = buildPlan(
      [desired('demo_secret.sa', attrs)],
      state(['demo_secret.sa', { host: HOST, sha256: 'old' }]),
      { registry, views: new Map([['demo_secret.sa', { host: HOST, sha256: 'old' }]]) },
    );
    expect(viewed.steps[0]?.action).toBe('noop');
  });

  it('sees no change between a state marker and the same plaintext', () => {
    const earlier = new RedactionMap({ digestCost: 4 });
    earlier.add('pg', PG);
    const salted = markerFromDigest('pg', earlier.byName('pg')!.digest);
    // The spec's sha256 marker is understood too.
    for (const marker of [salted, markerFromDigest('pg', sha256Tagged(PG))]) {
      const plan = buildPlan(
        [desired('demo_container.db', { host: HOST, env: { POSTGRES_PASSWORD: PG } })],
        state(['demo_container.db', { host: HOST, env: { POSTGRES_PASSWORD: marker } }]),
      );
      expect(plan.steps[0]?.action).toBe('noop');
    }
  });

  it('sees no change between a salted inline marker in state and the same plaintext, given the run’s secrets', () => {
    const redaction = new RedactionMap({ digestCost: 4 });
    redaction.add('pg', PG);
    const earlier = new RedactionMap({ digestCost: 4 });
    earlier.add('pg', PG);
    const url = (pw: string) => `postgresql://app:${pw}@db:5432/app`;
    const plan = buildPlan(
      [desired('demo_container.app', { host: HOST, env: { DATABASE_URL: url(PG) } })],
      state([
        'demo_container.app',
        { host: HOST, env: { DATABASE_URL: url(inlineMarker('pg', earlier.byName('pg')!.digest)) } },
      ]),
      { redaction },
    );
    expect(plan.steps[0]?.action).toBe('noop');
  });

  describe('safety: a plan built with a redaction map never prints plaintext', () => {
    const redaction = new RedactionMap({ digestCost: 4 });
    redaction.add('pg', PG);
    const plan = buildPlan(
      [
        desired('demo_container.db', { host: HOST, env: { POSTGRES_PASSWORD: PG } }),
        desired('demo_container.app', {
          host: HOST,
          env: { DATABASE_URL: `postgresql://app:${PG}@db:5432/app` },
        }),
      ],
      state(
        ['demo_container.db', { host: HOST, env: { POSTGRES_PASSWORD: 'previous-plain-value' } }],
        ['demo_container.app', { host: HOST, env: { DATABASE_URL: 'postgresql://app@db:5432/app' } }],
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
      const digest = redaction.byName('pg')!.digest;
      expect(json.steps[0].changes).toEqual([
        {
          field: 'env.POSTGRES_PASSWORD',
          from: 'previous-plain-value',
          to: markerFromDigest('pg', digest),
        },
      ]);
      expect(json.steps[1].changes[0].to).toBe(`postgresql://app:${inlineMarker('pg', digest)}@db:5432/app`);
      expect(json.steps[1].changes[0].to).toMatch(
        /^postgresql:\/\/app:<secret:pg:scrypt:4:[0-9a-f]{32}:[0-9a-f]{64}>@db:5432\/app$/,
      );
    });
  });
});
