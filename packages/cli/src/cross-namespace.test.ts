import { checkCrossNamespace, type DesiredResource } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from './runtime';

/**
 * The namespace check with the built-in kinds: docker_container's claims
 * (its port specs and container name) through core's one claims model.
 */
const registry = builtinRegistry();

const container = (name: string, attrs: Record<string, unknown>): DesiredResource => ({
  addr: { kind: 'docker_container', name },
  provider: 'docker',
  attrs: { host: 'root@192.0.2.10', image: 'x', ...attrs } as DesiredResource['attrs'],
});

const infra = { namespace: 'infra', resources: [container('traefik', { ports: ['80:80', '443:443'] })] };

describe('checkCrossNamespace', () => {
  it('names both sides of a port conflict', () => {
    const app = { namespace: 'app', resources: [container('web', { ports: ['80:80'] })] };
    let error: unknown;
    try {
      checkCrossNamespace(app, [infra], registry);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      code: 'CrossNamespaceConflict',
      message: 'cross-namespace port conflict on host `root@192.0.2.10`:',
      details: [
        '  - app::docker_container.web  (current) wants 80',
        '  - infra::docker_container.traefik  (sibling) already claims it',
      ],
    });
  });

  it('names both sides of a container name conflict', () => {
    const app = { namespace: 'app', resources: [container('db', { name: 'traefik' })] };
    expect(() => checkCrossNamespace(app, [infra], registry)).toThrow(
      expect.objectContaining({
        message: 'cross-namespace container name conflict on host `root@192.0.2.10`:',
        details: [
          '  - app::docker_container.db  (current) uses name `traefik`',
          '  - infra::docker_container.traefik  (sibling) already uses it',
        ],
      }),
    );
  });

  it('allows the same port on another host, random ports and distinct names', () => {
    const app = {
      namespace: 'app',
      resources: [
        container('web', { host: 'root@198.51.100.7', ports: ['80:80'] }),
        container('db', { ports: ['5432', '127.0.0.1::6379'] }),
      ],
    };
    expect(() => checkCrossNamespace(app, [infra], registry)).not.toThrow();
  });
});

describe('checkCrossNamespace with protocols and bind addresses', () => {
  it('lets tcp and udp share a port number, and two specific addresses share a port', () => {
    const app = {
      namespace: 'app',
      resources: [
        container('dns', { ports: ['53:53/udp'] }),
        container('api', { ports: ['10.0.0.1:8080:80'] }),
      ],
    };
    const other = {
      namespace: 'infra',
      resources: [
        container('dns-tcp', { ports: ['53:53/tcp'] }),
        container('api2', { ports: ['10.0.0.2:8080:80'] }),
      ],
    };
    expect(() => checkCrossNamespace(app, [other], registry)).not.toThrow();
  });

  it('refuses a specific address against a sibling bound on every interface, and says udp', () => {
    const app = { namespace: 'app', resources: [container('dns', { ports: ['127.0.0.1:53:53/udp'] })] };
    const other = { namespace: 'infra', resources: [container('resolver', { ports: ['53:53/udp'] })] };
    expect(() => checkCrossNamespace(app, [other], registry)).toThrow(
      expect.objectContaining({
        details: [
          '  - app::docker_container.dns  (current) wants 53/udp',
          '  - infra::docker_container.resolver  (sibling) already claims it',
        ],
      }),
    );
  });
});
