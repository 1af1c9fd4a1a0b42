import { describe, expect, it } from 'vitest';
import { containerPrior, parseContainerInspect } from './inspect';

const HOST = 'root@192.0.2.10';
const ID = 'a'.repeat(64);

function inspectJson(
  overrides: { state?: object; labels?: object; networks?: object; restart?: object } = {},
): string {
  return JSON.stringify({
    Id: ID,
    Name: '/traefik',
    State: overrides.state ?? { Status: 'running', Running: true },
    Config: {
      Image: 'traefik:v3.1',
      Labels: overrides.labels ?? {
        'traefik.enable': 'true',
        'com.docker.compose.project': 'x',
        'org.opencontainers.image.version': '3.1',
      },
    },
    HostConfig: { RestartPolicy: overrides.restart ?? { Name: 'unless-stopped', MaximumRetryCount: 0 } },
    NetworkSettings: { Networks: overrides.networks ?? { 'stratum-edge': {}, bridge: {} } },
  });
}

const prior = containerPrior({
  host: HOST,
  name: 'traefik',
  labels: { 'traefik.enable': 'true', 'com.docker.compose.project': 'x' },
  networks: ['stratum-edge'],
  state: 'running',
});

describe('parseContainerInspect', () => {
  it('normalises to the state shape', () => {
    expect(parseContainerInspect(prior, `${inspectJson()}\n`, 0)).toEqual({
      status: 'present',
      attrs: {
        host: HOST,
        name: 'traefik',
        image: 'traefik:v3.1',
        restart: 'unless-stopped',
        // com.docker.* dropped even when state has the key; image labels not in state dropped.
        labels: { 'traefik.enable': 'true' },
        networks: ['bridge', 'stratum-edge'],
        container_id: ID,
        state: 'running',
      },
    });
  });

  it('reports a stopped container as present with its state', () => {
    const observed = parseContainerInspect(
      prior,
      inspectJson({ state: { Status: 'exited', Running: false } }),
      0,
    );
    expect(observed.status === 'present' && (observed.attrs as Record<string, unknown>).state).toBe('exited');
  });

  it('reports state only when not running if state does not record it', () => {
    const old = containerPrior({ host: HOST, name: 'traefik' });
    const running = parseContainerInspect(old, inspectJson(), 0);
    expect(running.status === 'present' && 'state' in (running.attrs as object)).toBe(false);
    const paused = parseContainerInspect(old, inspectJson({ state: { Status: 'paused', Running: true } }), 0);
    expect(paused.status === 'present' && (paused.attrs as Record<string, unknown>).state).toBe('paused');
  });

  it('does not report docker default bridge for a container that declares no network', () => {
    const bare = containerPrior({ host: HOST, name: 'traefik' });
    const observed = parseContainerInspect(bare, inspectJson({ networks: { bridge: {} } }), 0);
    expect(observed.status === 'present' && (observed.attrs as Record<string, unknown>).networks).toEqual([]);
    const moved = parseContainerInspect(bare, inspectJson({ networks: { bridge: {}, other: {} } }), 0);
    expect(moved.status === 'present' && (moved.attrs as Record<string, unknown>).networks).toEqual([
      'bridge',
      'other',
    ]);
  });

  it('spells out on-failure retry counts and a missing policy as no', () => {
    const a = parseContainerInspect(
      prior,
      inspectJson({ restart: { Name: 'on-failure', MaximumRetryCount: 3 } }),
      0,
    );
    expect(a.status === 'present' && (a.attrs as Record<string, unknown>).restart).toBe('on-failure:3');
    const b = parseContainerInspect(prior, inspectJson({ restart: { Name: '' } }), 0);
    expect(b.status === 'present' && (b.attrs as Record<string, unknown>).restart).toBe('no');
  });

  it('is absent on no such object / container', () => {
    expect(parseContainerInspect(prior, '\nError: No such object: traefik\n', 1)).toEqual({
      status: 'absent',
    });
    expect(parseContainerInspect(prior, 'Error response from daemon: No such container: traefik', 1)).toEqual(
      {
        status: 'absent',
      },
    );
  });

  it('is unknown on other failures and garbage', () => {
    expect(parseContainerInspect(prior, 'permission denied while trying to connect', 1).status).toBe(
      'unknown',
    );
    expect(parseContainerInspect(prior, '{"Id": 1}', 0).status).toBe('unknown');
    expect(parseContainerInspect(prior, '{not json', 0).status).toBe('unknown');
    expect(parseContainerInspect(prior, '', 0).status).toBe('unknown');
  });

  it('skips warning lines before the document', () => {
    const observed = parseContainerInspect(prior, `WARNING: something\n${inspectJson()}\n`, 0);
    expect(observed.status).toBe('present');
  });
});
