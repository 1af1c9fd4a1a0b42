import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StratumError } from '../errors';
import { PlanError } from '../plan/errors';
import { Registry } from '../registry';
import { createFakeProvider } from '../test/fake-provider';
import { desiredResource } from '../test/state-builders';
import type { DesiredResource, JsonObject } from '../types';
import { checkClaims, checkCrossNamespace, collectClaims, crossNamespaceConflict } from './check';
import { type Claim, claimSlot, claimsClash, type PortClaim, portText } from './claims';

/** A demo kind whose claims are written out in its attrs. */
const svcSchema = z.strictObject({
  host: z.string(),
  ports: z
    .array(
      z.strictObject({
        port: z.number(),
        protocol: z.string().default('tcp'),
        bind: z.string().optional(),
        label: z.string().optional(),
      }),
    )
    .default([]),
  names: z.array(z.strictObject({ space: z.string(), value: z.string() })).default([]),
  unchecked: z.array(z.string()).optional(),
});
type Svc = z.infer<typeof svcSchema>;

const registry = new Registry([
  createFakeProvider('demo', {
    demo_svc: {
      schema: svcSchema as never,
      claims: ({ attrs }) => {
        const a = attrs as unknown as Svc;
        const claims: Claim[] = [
          ...a.ports.map(
            (p): Claim => ({
              type: 'port',
              port: p.port,
              protocol: p.protocol,
              bind: p.bind,
              label: p.label ?? (p.bind === undefined ? String(p.port) : `${p.bind}:${p.port}`),
            }),
          ),
          ...a.names.map((n): Claim => ({ type: 'name', space: n.space, value: n.value })),
        ];
        return { host: a.host, claims, unchecked: a.unchecked };
      },
    },
    demo_quiet: {},
    demo_none: { claims: () => undefined },
  }),
]);

const svc = (name: string, attrs: JsonObject): DesiredResource => desiredResource('demo_svc', name, attrs);
const port = (p: number, extra: JsonObject = {}) => ({ port: p, ...extra });

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('checkClaims', () => {
  it('refuses a port bound on every interface against any bind of it, in both orders', () => {
    for (const pair of [
      [port(80), port(80, { bind: '127.0.0.1' })],
      [port(80, { bind: '127.0.0.1' }), port(80)],
      [port(80), port(80)],
    ]) {
      const error = thrown(() =>
        checkClaims(
          [svc('a', { host: 'h', ports: [pair[0]!] }), svc('b', { host: 'h', ports: [pair[1]!] })],
          registry,
        ),
      );
      expect(StratumError.hasCode(error, 'PortConflict')).toBe(true);
    }
  });

  it('refuses equal specific binds, allows different ones', () => {
    expect(() =>
      checkClaims(
        [
          svc('a', { host: 'h', ports: [port(80, { bind: '10.0.0.1' })] }),
          svc('b', { host: 'h', ports: [port(80, { bind: '10.0.0.1' })] }),
        ],
        registry,
      ),
    ).toThrow(PlanError);
    expect(
      checkClaims(
        [
          svc('a', { host: 'h', ports: [port(80, { bind: '10.0.0.1' })] }),
          svc('b', { host: 'h', ports: [port(80, { bind: '10.0.0.2' })] }),
        ],
        registry,
      ),
    ).toEqual([]);
  });

  it('never clashes tcp with udp, nor different ports, nor different hosts', () => {
    expect(
      checkClaims(
        [
          svc('a', { host: 'h', ports: [port(53)] }),
          svc('b', { host: 'h', ports: [port(53, { protocol: 'udp' })] }),
          svc('c', { host: 'h', ports: [port(54)] }),
          svc('d', { host: 'other', ports: [port(53)] }),
        ],
        registry,
      ),
    ).toEqual([]);
  });

  it('never checks a resource’s claims against each other', () => {
    expect(
      checkClaims(
        [
          svc('a', {
            host: 'h',
            ports: [port(80), port(80, { bind: '127.0.0.1' })],
            names: [
              { space: 'container name', value: 'web' },
              { space: 'container name', value: 'web' },
            ],
          }),
        ],
        registry,
      ),
    ).toEqual([]);
  });

  it('names the resources, labels, host and port of a PortConflict', () => {
    const error = thrown(() =>
      checkClaims(
        [
          svc('a', { host: 'root@h', ports: [port(8080, { label: '8080:80' })] }),
          svc('b', {
            host: 'root@h',
            ports: [port(8080, { bind: '127.0.0.1', label: '127.0.0.1:8080:80' })],
          }),
        ],
        registry,
      ),
    ) as PlanError;
    expect(PlanError.isInstance(error)).toBe(true);
    expect(error.code).toBe('PortConflict');
    expect(error.message).toBe(
      'port conflict on host `root@h`: `demo_svc.a` (`8080:80`) and `demo_svc.b` (`127.0.0.1:8080:80`) both bind port 8080',
    );
    expect(error.addresses).toEqual(['demo_svc.a', 'demo_svc.b']);
    expect(error.host).toBe('root@h');
    expect(error.port).toBe(8080);
    expect(error.hint).toMatch(/another host port/);
  });

  it('shows a udp port as 53/udp', () => {
    const error = thrown(() =>
      checkClaims(
        [
          svc('a', { host: 'h', ports: [port(53, { protocol: 'udp' })] }),
          svc('b', { host: 'h', ports: [port(53, { protocol: 'udp' })] }),
        ],
        registry,
      ),
    ) as PlanError;
    expect(error.message).toBe(
      'port conflict on host `h`: `demo_svc.a` (`53`) and `demo_svc.b` (`53`) both bind port 53/udp',
    );
  });

  it('refuses one name twice within a space, with a NameConflict; spaces are separate', () => {
    const error = thrown(() =>
      checkClaims(
        [
          svc('a', { host: 'h', names: [{ space: 'container name', value: 'web' }] }),
          svc('b', { host: 'h', names: [{ space: 'volume name', value: 'web' }] }),
          svc('c', { host: 'h', names: [{ space: 'container name', value: 'web' }] }),
        ],
        registry,
      ),
    ) as PlanError;
    expect(error.code).toBe('NameConflict');
    expect(error.message).toBe(
      'container name conflict on host `h`: `demo_svc.a` and `demo_svc.c` both use container name `web`',
    );
    expect(error.addresses).toEqual(['demo_svc.a', 'demo_svc.c']);
    expect(error.host).toBe('h');
    expect(error.port).toBeUndefined();
    expect(error.hint).toBe('give one of them another container name');
    expect(
      checkClaims(
        [
          svc('a', { host: 'h', names: [{ space: 'container name', value: 'web' }] }),
          svc('b', { host: 'h2', names: [{ space: 'container name', value: 'web' }] }),
          svc('c', { host: 'h', names: [{ space: 'container name', value: 'api' }] }),
        ],
        registry,
      ),
    ).toEqual([]);
  });

  it('turns what a kind could not check into warnings prefixed with the address', () => {
    expect(
      checkClaims(
        [
          svc('a', { host: 'h', unchecked: ['port range `8000-8010:80` is not checked for conflicts'] }),
          svc('b', { host: 'h', unchecked: ['x', 'y'] }),
        ],
        registry,
      ),
    ).toEqual([
      '`demo_svc.a`: port range `8000-8010:80` is not checked for conflicts',
      '`demo_svc.b`: x',
      '`demo_svc.b`: y',
    ]);
  });

  it('lets resources whose attrs fail the schema, whose kind is not loaded or has no hook claim nothing', () => {
    expect(
      checkClaims(
        [
          svc('a', { host: 'h', ports: [port(80)] }),
          svc('bad', { host: 'h', ports: [port(80)], typo: true }),
          desiredResource('ghost_svc', 'g', { host: 'h', ports: [port(80)] }),
          desiredResource('demo_quiet', 'q', { host: 'h', ports: [port(80)] }),
          desiredResource('demo_none', 'n', { host: 'h' }),
        ],
        registry,
      ),
    ).toEqual([]);
  });

  it('parses attrs by the schema (defaults filled) and without depends_on', () => {
    const collected = collectClaims(
      [svc('a', { host: 'h', ports: [port(80)], depends_on: ['demo_svc.b'] }), svc('b', { host: 'h' })],
      registry,
    );
    expect(collected).toEqual([
      {
        addr: 'demo_svc.a',
        claims: {
          host: 'h',
          claims: [{ type: 'port', port: 80, protocol: 'tcp', bind: undefined, label: '80' }],
          unchecked: undefined,
        },
      },
      { addr: 'demo_svc.b', claims: { host: 'h', claims: [], unchecked: undefined } },
    ]);
  });
});

const portClaim: fc.Arbitrary<PortClaim> = fc.record({
  type: fc.constant('port' as const),
  port: fc.constantFrom(53, 80, 443),
  protocol: fc.constantFrom('tcp', 'udp'),
  bind: fc.option(fc.constantFrom('127.0.0.1', '10.0.0.1'), { nil: undefined }),
  label: fc.constant('l'),
});
const claim: fc.Arbitrary<Claim> = fc.oneof(
  portClaim,
  fc.record({
    type: fc.constant('name' as const),
    space: fc.constantFrom('container name', 'volume name'),
    value: fc.constantFrom('web', 'db'),
  }),
);

describe('claims properties', () => {
  it('claimsClash is symmetric, and clashing claims share a slot', () => {
    fc.assert(
      fc.property(claim, claim, (a, b) => {
        expect(claimsClash(a, b)).toBe(claimsClash(b, a));
        if (claimsClash(a, b)) expect(claimSlot('h', a)).toBe(claimSlot('h', b));
        expect(claimSlot('h1', a)).not.toBe(claimSlot('h2', a));
      }),
    );
  });

  it('every claim clashes with itself', () => {
    fc.assert(
      fc.property(claim, (a) => {
        expect(claimsClash(a, a)).toBe(true);
      }),
    );
  });

  it('checkClaims refuses exactly when two resources on one host clash, whatever their order', () => {
    const resource = fc.record({
      host: fc.constantFrom('h1', 'h2'),
      claims: fc.array(claim, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(resource, { maxLength: 5 }), (resources) => {
        const expected = resources.some((r, i) =>
          resources.some(
            (s, j) =>
              j > i && r.host === s.host && r.claims.some((a) => s.claims.some((b) => claimsClash(a, b))),
          ),
        );
        const desired = resources.map((r, i) =>
          svc(`r${i}`, {
            host: r.host,
            ports: r.claims.flatMap((c) =>
              c.type === 'port'
                ? [{ port: c.port, protocol: c.protocol, ...(c.bind ? { bind: c.bind } : {}) }]
                : [],
            ),
            names: r.claims.flatMap((c) => (c.type === 'name' ? [{ space: c.space, value: c.value }] : [])),
          }),
        );
        const forward = thrown(() => checkClaims(desired, registry));
        const backward = thrown(() => checkClaims([...desired].reverse(), registry));
        expect(forward !== undefined).toBe(expected);
        expect(backward !== undefined).toBe(expected);
        if (forward !== undefined) expect(PlanError.isInstance(forward)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('portText says tcp ports bare and others with their protocol', () => {
    const p = (protocol: string): PortClaim => ({ type: 'port', port: 53, protocol, label: '53' });
    expect(portText(p('tcp'))).toBe('53');
    expect(portText(p('udp'))).toBe('53/udp');
    expect(portText(p('sctp'))).toBe('53/sctp');
  });
});

describe('checkCrossNamespace', () => {
  const ns = (namespace: string, resources: DesiredResource[]) => ({ namespace, resources });

  it('names both sides of a port conflict with a sibling', () => {
    const error = thrown(() =>
      checkCrossNamespace(
        ns('app', [svc('web', { host: 'root@h', ports: [port(443, { bind: '127.0.0.1' })] })]),
        [ns('infra', [svc('traefik', { host: 'root@h', ports: [port(443)] })])],
        registry,
      ),
    ) as StratumError;
    expect(error.code).toBe('CrossNamespaceConflict');
    expect(error.message).toBe('cross-namespace port conflict on host `root@h`:');
    expect(error.details).toEqual([
      '  - app::demo_svc.web  (current) wants 443',
      '  - infra::demo_svc.traefik  (sibling) already claims it',
    ]);
    expect(error.hint).toMatch(/another host port or bind address/);
  });

  it('gives the conflict as a value, with the current resource it is about (for editors)', () => {
    const current = ns('app', [
      svc('api', { host: 'root@h', ports: [port(8080)] }),
      svc('web', { host: 'root@h', ports: [port(443)] }),
    ]);
    const conflict = crossNamespaceConflict(
      current,
      [ns('infra', [svc('traefik', { host: 'root@h', ports: [port(443)] })])],
      registry,
    );
    expect(conflict?.addr).toBe('demo_svc.web');
    expect(conflict?.error.code).toBe('CrossNamespaceConflict');
    expect(crossNamespaceConflict(current, [ns('infra', [])], registry)).toBeUndefined();
  });

  it('says udp', () => {
    const error = thrown(() =>
      checkCrossNamespace(
        ns('app', [svc('dns', { host: 'h', ports: [port(53, { protocol: 'udp' })] })]),
        [ns('infra', [svc('resolver', { host: 'h', ports: [port(53, { protocol: 'udp' })] })])],
        registry,
      ),
    ) as StratumError;
    expect(error.details).toEqual([
      '  - app::demo_svc.dns  (current) wants 53/udp',
      '  - infra::demo_svc.resolver  (sibling) already claims it',
    ]);
  });

  it('names a name conflict by the claim’s space', () => {
    const error = thrown(() =>
      checkCrossNamespace(
        ns('app', [svc('db', { host: 'h', names: [{ space: 'container name', value: 'traefik' }] })]),
        [
          ns('other', [svc('x', { host: 'h', names: [{ space: 'volume name', value: 'traefik' }] })]),
          ns('infra', [
            svc('traefik', { host: 'h', names: [{ space: 'container name', value: 'traefik' }] }),
          ]),
        ],
        registry,
      ),
    ) as StratumError;
    expect(error.message).toBe('cross-namespace container name conflict on host `h`:');
    expect(error.details).toEqual([
      '  - app::demo_svc.db  (current) uses name `traefik`',
      '  - infra::demo_svc.traefik  (sibling) already uses it',
    ]);
    expect(error.hint).toBe('give one of them another container name');
  });

  it('passes what does not clash: other hosts, protocols, binds; implicit resources; unloaded kinds', () => {
    expect(() =>
      checkCrossNamespace(
        ns('app', [
          svc('a', { host: 'h', ports: [port(80, { bind: '10.0.0.1' }), port(53)] }),
          svc('_stratum_swap', { host: 'h', ports: [port(22)] }),
          desiredResource('ghost_svc', 'g', { host: 'h', ports: [port(443)] }),
        ]),
        [
          ns('infra', [
            svc('b', { host: 'h', ports: [port(80, { bind: '10.0.0.2' }), port(53, { protocol: 'udp' })] }),
            svc('c', { host: 'other', ports: [port(443)] }),
            svc('_stratum_swap', { host: 'h', ports: [port(22)] }),
            desiredResource('ghost_svc', 'g', { host: 'h', ports: [port(443)] }),
          ]),
        ],
        registry,
      ),
    ).not.toThrow();
  });

  it('does not check the current namespace against itself', () => {
    expect(() =>
      checkCrossNamespace(
        ns('app', [svc('a', { host: 'h', ports: [port(80)] }), svc('b', { host: 'h', ports: [port(80)] })]),
        [],
        registry,
      ),
    ).not.toThrow();
  });
});
