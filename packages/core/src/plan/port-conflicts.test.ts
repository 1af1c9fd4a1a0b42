import { describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import type { DesiredResource } from '../types';
import { PlanError } from './errors';
import { checkPortConflicts, parsePortSpec } from './port-conflicts';

function container(name: string, ports: unknown[], host = 'root@192.0.2.10'): DesiredResource {
  return {
    addr: { kind: 'docker_container', name },
    provider: 'docker',
    attrs: { host, image: 'x', ports: ports as string[] },
  };
}

function conflict(desired: DesiredResource[]): PlanError {
  try {
    checkPortConflicts(desired);
  } catch (err) {
    if (err instanceof PlanError) return err;
    throw err;
  }
  throw new Error('expected a port conflict');
}

describe('parsePortSpec', () => {
  it.each([
    ['80:80', { type: 'bind', ip: undefined, hostPort: 80, proto: 'tcp' }],
    ['8080:80/udp', { type: 'bind', ip: undefined, hostPort: 8080, proto: 'udp' }],
    ['127.0.0.1:5432:5432', { type: 'bind', ip: '127.0.0.1', hostPort: 5432, proto: 'tcp' }],
    ['0.0.0.0:80:80/tcp', { type: 'bind', ip: undefined, hostPort: 80, proto: 'tcp' }],
    ['[::1]:8080:80', { type: 'bind', ip: '::1', hostPort: 8080, proto: 'tcp' }],
    ['5432', { type: 'random' }],
    ['5432/udp', { type: 'random' }],
    ['127.0.0.1::5432', { type: 'random' }],
    ['8000-8010:8000-8010', { type: 'range' }],
    ['127.0.0.1:8000-8010:8000-8010', { type: 'range' }],
    ['http', { type: 'unknown' }],
    ['a:b:c:d', { type: 'unknown' }],
    ['99999:80', { type: 'unknown' }],
    ['80:', { type: 'unknown' }],
  ])('%s', (spec, expected) => {
    expect(parsePortSpec(spec)).toEqual(expected);
  });
});

describe('checkPortConflicts', () => {
  it('rejects two containers binding one port on one host, naming both', () => {
    const err = conflict([container('traefik', ['80:80', '443:443']), container('web', ['80:8080'])]);
    expect(StratumError.hasCode(err, 'PortConflict')).toBe(true);
    expect(err.message).toBe(
      'port conflict on host `root@192.0.2.10`: `docker_container.traefik` (`80:80`) and `docker_container.web` (`80:8080`) both bind port 80',
    );
    expect(err.addresses).toEqual(['docker_container.traefik', 'docker_container.web']);
    expect(err.port).toBe(80);
    expect(err.host).toBe('root@192.0.2.10');
    expect(err.hint).toBeTruthy();
  });

  it('lets the wildcard bind collide with loopback, both ways, and with a bare N:C', () => {
    conflict([container('a', ['0.0.0.0:5432:5432']), container('b', ['127.0.0.1:5432:5432'])]);
    conflict([container('a', ['127.0.0.1:5432:5432']), container('b', ['0.0.0.0:5432:5432'])]);
    conflict([container('a', ['5432:5432']), container('b', ['127.0.0.1:5432:5432'])]);
    conflict([container('a', ['127.0.0.1:5432:5432']), container('b', ['127.0.0.1:5432:1'])]);
  });

  it('allows different hosts, different specific IPs, different protocols', () => {
    expect(
      checkPortConflicts([
        container('a', ['80:80'], 'root@a'),
        container('b', ['80:80'], 'root@b'),
        container('c', ['127.0.0.1:9000:9000']),
        container('d', ['10.0.0.5:9000:9000']),
        container('e', ['53:53/udp']),
        container('f', ['53:53/tcp']),
      ]),
    ).toEqual([]);
  });

  it('does not compare entries of one container with each other', () => {
    expect(checkPortConflicts([container('dns', ['53:53', '53:53', '0.0.0.0:53:53'])])).toEqual([]);
  });

  it('skips random host ports and unknown shapes, warns about ranges', () => {
    expect(
      checkPortConflicts([
        container('a', ['5432', 'weird', 42, '8000-8010:8000-8010']),
        container('b', ['5432', 'weird']),
      ]),
    ).toEqual(['`docker_container.a`: port range `8000-8010:8000-8010` is not checked for conflicts']);
  });

  it('only looks at docker_container.ports', () => {
    const other: DesiredResource = {
      addr: { kind: 'system_file', name: 'x' },
      provider: 'system',
      attrs: { host: 'root@192.0.2.10', ports: ['80:80'] },
    };
    expect(checkPortConflicts([container('a', ['80:80']), other])).toEqual([]);
  });
});
