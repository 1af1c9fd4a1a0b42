import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { didYouMean, levenshtein } from './did-you-mean';
import { StratumError } from './errors';
import { Registry } from './registry';
import { createFakeProvider } from './test/fake-provider';
import { desiredResource } from './test/state-builders';
import type { ResourceSource } from './types';
import { AttributeError, parseAttrs, validateDesired } from './validate';

const containerSchema = z.strictObject({
  host: z.string(),
  image: z.string(),
  ports: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).optional(),
  restart: z.enum(['no', 'always', 'unless-stopped']).optional(),
  memory_mb: z.int().min(16).optional(),
  healthcheck: z
    .strictObject({ test: z.array(z.string()), interval_s: z.number().positive().optional() })
    .optional(),
  pull: z.union([z.boolean(), z.literal('missing')]).optional(),
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .optional(),
  depends_on: z.array(z.string()).max(3).optional(),
});

const docker = createFakeProvider('docker', {
  docker_container: {
    schema: containerSchema,
  },
  docker_network: {
    schema: z
      .strictObject({ host: z.string(), subnet: z.string().optional(), internal: z.boolean().optional() })
      .refine(
        (a) => !(a.internal === true && a.subnet === undefined),
        'an internal network needs a `subnet`',
      ),
  },
});
const registry = new Registry([docker]);

const source: ResourceSource = {
  block: { file: 'app.strat', line: 3, column: 1 },
  attrs: {
    host: { file: 'app.strat', line: 4, column: 3 },
    imgae: { file: 'app.strat', line: 5, column: 3 },
    ports: { file: 'app.strat', line: 6, column: 3 },
    healthcheck: { file: 'app.strat', line: 7, column: 3 },
  },
};

function messages(attrs: Record<string, unknown>, kind = 'docker_container'): string[] {
  return validateDesired([desiredResource(kind, 'web', attrs as never)], registry).map((d) => d.message);
}

describe('validateDesired', () => {
  it('accepts valid attributes', () => {
    expect(
      messages({ host: 'h', image: 'nginx', ports: ['80:80'], restart: 'always', memory_mb: 64 }),
    ).toEqual([]);
  });

  it('reports a typo as an unknown attribute with a suggestion, and the missing one, with positions', () => {
    const diagnostics = validateDesired(
      [desiredResource('docker_container', 'web', { host: 'h', imgae: 'nginx' }, source)],
      registry,
    );
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'MissingAttribute',
        message: 'docker_container.web: missing required attribute `image`',
        addr: { kind: 'docker_container', name: 'web' },
        location: source.block,
        hint: undefined,
      },
      {
        severity: 'error',
        code: 'UnknownAttribute',
        message: 'docker_container.web: unknown attribute `imgae` (did you mean `image`?)',
        addr: { kind: 'docker_container', name: 'web' },
        location: source.attrs.imgae,
        hint: undefined,
      },
    ]);
  });

  it('lists the known attributes when nothing is close', () => {
    const [d] = validateDesired(
      [desiredResource('docker_container', 'web', { host: 'h', image: 'x', colour: 'red' })],
      registry,
    );
    expect(d!.message).toBe('docker_container.web: unknown attribute `colour`');
    expect(d!.hint).toBe(
      'known attributes: host, image, ports, env, restart, memory_mb, healthcheck, pull, name, depends_on',
    );
    expect(d!.location).toBeUndefined();
  });

  it('does not suggest an attribute that is already set', () => {
    expect(messages({ host: 'h', image: 'x', imag: 'y' })).toEqual([
      'docker_container.web: unknown attribute `imag`',
    ]);
  });

  it.each([
    [{ ports: 8080 }, 'attribute `ports` must be a list of strings, got number'],
    [{ ports: [80] }, 'attribute `ports[0]` must be a string, got number'],
    [{ env: { A: true } }, 'attribute `env.A` must be a string, got boolean'],
    [{ env: ['A=1'] }, 'attribute `env` must be a map of strings, got list'],
    [{ memory_mb: 1.5 }, 'attribute `memory_mb` must be an integer, got fractional number'],
    [{ memory_mb: '64' }, 'attribute `memory_mb` must be an integer, got string'],
    [{ pull: 'always' }, 'attribute `pull` must be a boolean or `missing`, got string'],
    [{ healthcheck: 'curl' }, 'attribute `healthcheck` must be a map, got string'],
    [{ host: null }, 'attribute `host` must be a string, got null'],
  ])('reports a wrong type: %j', (extra, message) => {
    expect(messages({ host: 'h', image: 'x', ...extra })).toEqual([`docker_container.web: ${message}`]);
  });

  it.each([
    [{ restart: 'sometimes' }, 'attribute `restart` must be one of `no`, `always`, `unless-stopped`'],
    [{ memory_mb: 8 }, 'attribute `memory_mb` must be at least 16'],
    [{ depends_on: ['a', 'b', 'c', 'd'] }, 'attribute `depends_on` must have at most 3 items'],
    [{ name: 'Web' }, 'attribute `name` must match the pattern /^[a-z][a-z0-9-]*$/'],
    [
      { healthcheck: { test: [], interval_s: 0 } },
      'attribute `healthcheck.interval_s` must be greater than 0',
    ],
  ])('reports an invalid value: %j', (extra, message) => {
    expect(messages({ host: 'h', image: 'x', ...extra })).toEqual([`docker_container.web: ${message}`]);
  });

  it('reports nested problems at the top-level attribute’s position', () => {
    const diagnostics = validateDesired(
      [
        desiredResource(
          'docker_container',
          'web',
          { host: 'h', image: 'x', healthcheck: { tset: ['CMD'] } },
          source,
        ),
      ],
      registry,
    );
    expect(diagnostics.map((d) => [d.message, d.location])).toEqual([
      ['docker_container.web: missing required attribute `healthcheck.test`', source.attrs.healthcheck],
      [
        'docker_container.web: unknown attribute `healthcheck.tset` (did you mean `healthcheck.test`?)',
        source.attrs.healthcheck,
      ],
    ]);
  });

  it('passes a refinement’s own message through', () => {
    expect(messages({ host: 'h', internal: true }, 'docker_network')).toEqual([
      'docker_network.web: an internal network needs a `subnet`',
    ]);
  });

  it('never puts attribute values into messages', () => {
    const secret = 'hunter2-very-secret';
    const all = messages({
      host: secret,
      image: 7,
      restart: secret,
      memory_mb: secret,
      name: secret,
      env: { A: 1 },
    });
    expect(all.length).toBeGreaterThan(3);
    for (const message of all) expect(message).not.toContain(secret);
  });

  it('reports unknown kinds and providers as diagnostics at the block', () => {
    const diagnostics = validateDesired(
      [
        desiredResource('docker_volume', 'data', {}, source),
        desiredResource('git_repo', 'site', {}),
        desiredResource('docker_container', 'ok', { host: 'h', image: 'x' }),
      ],
      registry,
    );
    expect(diagnostics.map((d) => [d.code, d.message, d.location])).toEqual([
      ['UnknownKind', 'docker_volume.data: provider `docker` has no kind `docker_volume`', source.block],
      [
        'UnknownProvider',
        'git_repo.site: no provider for kind `git_repo`: provider `git` is not loaded',
        undefined,
      ],
    ]);
    expect(diagnostics[0]!.hint).toBe('known kinds: docker_container, docker_network');
  });
});

describe('parseAttrs', () => {
  const handler = docker.kinds.docker_container!;

  it('returns the parsed attrs with defaults filled in', () => {
    expect(parseAttrs(handler, { host: 'h', image: 'x' })).toEqual({ host: 'h', image: 'x', ports: [] });
  });

  it('throws an AttributeError listing every problem', () => {
    let error: unknown;
    try {
      parseAttrs(handler, { host: 'h', imgae: 'x', ports: 1 }, { kind: 'docker_container', name: 'web' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AttributeError);
    expect(StratumError.hasCode(error, 'InvalidAttributes')).toBe(true);
    expect((error as AttributeError).message).toBe(
      [
        'docker_container.web: missing required attribute `image`',
        'docker_container.web: attribute `ports` must be a list of strings, got number',
        'docker_container.web: unknown attribute `imgae` (did you mean `image`?)',
      ].join('\n'),
    );
    expect((error as AttributeError).problems).toHaveLength(3);
  });
});

describe('depends_on on any kind', () => {
  const network = (attrs: Record<string, unknown>) =>
    desiredResource('docker_network', 'edge', attrs as never);

  it('is accepted on a kind whose schema does not declare it, and kept out of the parsed attrs', () => {
    const attrs = { host: 'h', depends_on: ['system_service.docker'] };
    expect(validateDesired([network(attrs)], registry)).toEqual([]);
    expect(parseAttrs(registry.forKind('docker_network').handler, attrs)).toEqual({ host: 'h' });
  });

  it('must be a list of strings', () => {
    const attrs = { host: 'h', depends_on: 'system_service.docker' };
    expect(validateDesired([network(attrs)], registry).map((d) => d.message)).toEqual([
      'docker_network.edge: attribute `depends_on` must be a list of strings (`<kind>.<name>`), got string',
    ]);
    expect(() => parseAttrs(registry.forKind('docker_network').handler, attrs)).toThrow(AttributeError);
  });

  it('stays with the kind’s own schema when it declares it', () => {
    expect(messages({ host: 'h', image: 'i', depends_on: ['a', 'b', 'c', 'd'] })).toEqual([
      'docker_container.web: attribute `depends_on` must have at most 3 items',
    ]);
  });
});

describe('triggered_by', () => {
  const withTrigger = new Registry([
    createFakeProvider('demo', {
      demo_svc: { trigger: { verb: () => 'restart', operation: () => undefined } },
      demo_plain: {},
    }),
  ]);
  const at = { file: 'app.strat', line: 7, column: 3 };
  const resource = (kind: string, edges: unknown) =>
    desiredResource(kind, 'x', { host: 'h', triggered_by: edges } as never, {
      block: { file: 'app.strat', line: 5, column: 1 },
      attrs: { triggered_by: at },
    });

  it('is accepted on a kind with a trigger, and kept out of the parsed attrs', () => {
    expect(validateDesired([resource('demo_svc', ['demo_file.c'])], withTrigger)).toEqual([]);
    expect(
      parseAttrs(withTrigger.forKind('demo_svc').handler, { host: 'h', triggered_by: ['demo_file.c'] }),
    ).toEqual({ host: 'h' });
  });

  it('is refused, where it was written, on a kind with nothing to re-run', () => {
    const [diagnostic, ...rest] = validateDesired([resource('demo_plain', ['demo_file.c'])], withTrigger);
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({
      code: 'TriggerUnsupported',
      message: 'demo_plain.x: `demo_plain` has nothing to re-run, so it takes no `triggered_by`',
      location: at,
    });
    expect(diagnostic!.hint).toContain('depends_on');
  });

  it('must be a list of strings', () => {
    expect(validateDesired([resource('demo_svc', 'demo_file.c')], withTrigger)).toMatchObject([
      {
        code: 'WrongType',
        message:
          'demo_svc.x: attribute `triggered_by` must be a list of strings (`<kind>.<name>`), got string',
        location: at,
      },
    ]);
  });
});

describe('didYouMean', () => {
  it('measures edit distance', () => {
    expect(levenshtein('imgae', 'image')).toBe(2);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
  });

  it('picks the closest candidate within two edits, case-insensitively', () => {
    expect(didYouMean('prots', ['host', 'ports', 'image'])).toBe('ports');
    expect(didYouMean('IMAGE', ['image'])).toBe('image');
    expect(didYouMean('volumes', ['host', 'image'])).toBeUndefined();
  });
});
