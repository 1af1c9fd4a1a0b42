import type { DesiredResource } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { checkCrossNamespace } from './cross-namespace';

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
      checkCrossNamespace(app, [infra]);
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
    expect(() => checkCrossNamespace(app, [infra])).toThrow(
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
    expect(() => checkCrossNamespace(app, [infra])).not.toThrow();
  });
});
