import {
  applyPlan,
  checkClaims,
  createPlan,
  type DesiredResource,
  type JsonObject,
  PlanError,
  Registry,
  type SecretRefSite,
  StratumError,
  validateDesired,
} from '@stratum/core';
import {
  createRecordingTransport,
  desiredResource,
  plannedStep,
  respondByCommand,
  stateWith,
} from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { createDockerProvider } from './provider';

/**
 * The kinds' hooks as core uses them: claims checked by the planner across
 * resources, secret references placed by validation.
 */

const registry = new Registry([createDockerProvider()]);
const HOST = 'root@192.0.2.10';

function container(name: string, ports: string[], host = HOST): DesiredResource {
  return desiredResource('docker_container', name, { host, image: 'x', ports });
}

function conflict(desired: DesiredResource[]): PlanError {
  try {
    checkClaims(desired, registry);
  } catch (error) {
    if (PlanError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a conflict');
}

describe('docker claims through the planner', () => {
  it('rejects two containers binding one port on one host, naming both', () => {
    const error = conflict([container('traefik', ['80:80', '443:443']), container('web', ['80:8080'])]);
    expect(StratumError.hasCode(error, 'PortConflict')).toBe(true);
    expect(error.message).toBe(
      'port conflict on host `root@192.0.2.10`: `docker_container.traefik` (`80:80`) and `docker_container.web` (`80:8080`) both bind port 80',
    );
    expect(error.addresses).toEqual(['docker_container.traefik', 'docker_container.web']);
    expect(error.port).toBe(80);
  });

  it('lets the wildcard bind collide with loopback, both ways, and with a bare N:C', () => {
    conflict([container('a', ['0.0.0.0:5432:5432']), container('b', ['127.0.0.1:5432:5432'])]);
    conflict([container('a', ['127.0.0.1:5432:5432']), container('b', ['0.0.0.0:5432:5432'])]);
    conflict([container('a', ['5432:5432']), container('b', ['127.0.0.1:5432:5432'])]);
    conflict([container('a', ['127.0.0.1:5432:5432']), container('b', ['127.0.0.1:5432:1'])]);
    conflict([container('a', ['[::]:5432:5432']), container('b', ['[::1]:5432:5432'])]);
  });

  it('names udp ports with their protocol', () => {
    expect(conflict([container('a', ['53:53/udp']), container('b', ['53:5353/udp'])]).message).toMatch(
      /both bind port 53\/udp$/,
    );
  });

  it('allows different hosts, different specific IPs, different protocols', () => {
    expect(
      checkClaims(
        [
          container('a', ['80:80'], 'root@a'),
          container('b', ['80:80'], 'root@b'),
          container('c', ['127.0.0.1:9000:9000']),
          container('d', ['10.0.0.5:9000:9000']),
          container('e', ['53:53/udp']),
          container('f', ['53:53/tcp']),
        ],
        registry,
      ),
    ).toEqual([]);
  });

  it('does not compare entries of one container with each other', () => {
    expect(checkClaims([container('dns', ['53:53', '53:53', '0.0.0.0:53:53'])], registry)).toEqual([]);
  });

  it('skips random host ports and unknown shapes, warns about ranges', () => {
    expect(
      checkClaims(
        [container('a', ['5432', 'weird', '8000-8010:8000-8010']), container('b', ['5432', 'weird'])],
        registry,
      ),
    ).toEqual(['`docker_container.a`: port range `8000-8010:8000-8010` is not checked for conflicts']);
  });

  it('rejects two containers of one name on one host, the label standing in for a missing name', () => {
    const error = conflict([
      desiredResource('docker_container', 'db', { host: HOST, image: 'x' }),
      desiredResource('docker_container', 'other', { host: HOST, image: 'y', name: 'db' }),
    ]);
    expect(StratumError.hasCode(error, 'NameConflict')).toBe(true);
    expect(error.message).toBe(
      'container name conflict on host `root@192.0.2.10`: `docker_container.db` and `docker_container.other` both use container name `db`',
    );
  });

  it('keeps network names, container names and image tags in separate spaces', () => {
    expect(
      checkClaims(
        [
          desiredResource('docker_container', 'edge', { host: HOST, image: 'x' }),
          desiredResource('docker_network', 'edge', { host: HOST }),
          desiredResource('docker_image', 'edge', { host: HOST, tag: 'edge', context: '/srv' }),
          desiredResource('docker_network', 'edge2', { host: 'root@other', name: 'edge' }),
        ],
        registry,
      ),
    ).toEqual([]);
  });

  it('rejects two networks of one name and two images of one tag on one host', () => {
    expect(
      conflict([
        desiredResource('docker_network', 'a', { host: HOST, name: 'edge' }),
        desiredResource('docker_network', 'edge', { host: HOST }),
      ]).message,
    ).toMatch(/^network name conflict on host .*both use network name `edge`$/);
    expect(
      conflict([
        desiredResource('docker_image', 'a', { host: HOST, tag: 'api:1', context: '/srv/a' }),
        desiredResource('docker_image', 'b', { host: HOST, tag: 'api:1', context: '/srv/b' }),
      ]).message,
    ).toMatch(/^image tag conflict on host .*both use image tag `api:1`$/);
  });
});

describe('secret references in docker kinds', () => {
  const at = { line: 1, column: 1 };

  function refused(kind: string, attrs: JsonObject, refAttrs: string[]): string[] {
    const secretRefs: SecretRefSite[] = refAttrs.map((attr) => ({ attr, secret: 's', location: at }));
    const resource = desiredResource(kind, 'r', attrs, { block: at, attrs: {}, secretRefs });
    return validateDesired([resource], registry)
      .filter((d) => d.code === 'SecretInUnsupportedAttr')
      .map((d) => d.message);
  }

  it('takes them in a container env, command and anything else but host and name', () => {
    const attrs = { host: HOST, image: 'x', env: { A: 'b' }, command: ['a'], labels: { l: 'v' } };
    expect(refused('docker_container', attrs, ['env', 'command', 'labels', 'image'])).toEqual([]);
    expect(refused('docker_container', attrs, ['host', 'name'])).toEqual([
      'docker_container.r: secret reference not allowed in `docker_container.host` — it names the resource on its host, and state records it in the clear',
      'docker_container.r: secret reference not allowed in `docker_container.name` — it names the resource on its host, and state records it in the clear',
    ]);
  });

  it('takes them in image build args, not in the host or tag', () => {
    const attrs = { host: HOST, tag: 'api:1', context: '/srv', build_args: { TOKEN: 't' } };
    expect(refused('docker_image', attrs, ['build_args'])).toEqual([]);
    expect(refused('docker_image', attrs, ['tag', 'host'])).toHaveLength(2);
  });

  it('refuses them in a network host or name', () => {
    expect(refused('docker_network', { host: HOST, name: 'edge' }, ['name'])).toHaveLength(1);
    expect(refused('docker_network', { host: HOST, name: 'edge' }, ['driver'])).toEqual([]);
  });
});

describe('docker_container readiness through the apply engine', () => {
  it('waits for the healthcheck after one container and pauses after another', async () => {
    const health = ['starting\n', 'healthy\n'];
    const transport = createRecordingTransport(
      respondByCommand([
        ['docker run', `${'e'.repeat(64)}\n`],
        ['State.Health.Status', () => health.shift() ?? 'healthy\n'],
      ]),
    );
    const sleeps: number[] = [];
    const desired = (extra: JsonObject) => ({ host: HOST, image: 'x', pull: false, ...extra });
    const plan = createPlan([
      plannedStep('docker_container', 'db', {
        action: 'create',
        desired: desired({ name: 'db-1', healthcheck: { test: 'true' } }),
      }),
      plannedStep('docker_container', 'web', { action: 'create', desired: desired({}) }),
    ]);
    const state = stateWith();
    const outcome = await applyPlan(plan, {
      registry,
      transport,
      signal: new AbortController().signal,
      state,
      persist: async () => {},
      emit: () => {},
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    expect(outcome.failure).toBeUndefined();
    expect(transport.commands().filter((c) => c.includes('State.Health.Status'))).toEqual([
      `docker container inspect --format '{{.State.Health.Status}}' db-1`,
      `docker container inspect --format '{{.State.Health.Status}}' db-1`,
    ]);
    expect(sleeps).toEqual([1000, 500]);
    expect(Object.keys(state.resources)).toEqual(['docker_container.db', 'docker_container.web']);
  });
});
