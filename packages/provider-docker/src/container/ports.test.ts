import { describe, expect, it } from 'vitest';
import { parsePortSpec, portClaims } from './ports';

describe('parsePortSpec', () => {
  it.each([
    ['80:80', { type: 'bind', ip: undefined, hostPort: 80, proto: 'tcp' }],
    ['8080:80/udp', { type: 'bind', ip: undefined, hostPort: 8080, proto: 'udp' }],
    ['8080:80/UDP', { type: 'bind', ip: undefined, hostPort: 8080, proto: 'udp' }],
    ['127.0.0.1:5432:5432', { type: 'bind', ip: '127.0.0.1', hostPort: 5432, proto: 'tcp' }],
    ['0.0.0.0:80:80/tcp', { type: 'bind', ip: undefined, hostPort: 80, proto: 'tcp' }],
    ['[::1]:8080:80', { type: 'bind', ip: '::1', hostPort: 8080, proto: 'tcp' }],
    ['[::]:8080:80/udp', { type: 'bind', ip: undefined, hostPort: 8080, proto: 'udp' }],
    ['::1:8080:80', { type: 'unknown' }],
    [' 80:80 ', { type: 'bind', ip: undefined, hostPort: 80, proto: 'tcp' }],
    ['5432', { type: 'random' }],
    ['5432/udp', { type: 'random' }],
    ['127.0.0.1::5432', { type: 'random' }],
    ['[::1]::5432', { type: 'random' }],
    ['8000-8010:8000-8010', { type: 'range' }],
    ['127.0.0.1:8000-8010:8000-8010', { type: 'range' }],
    ['8000-8010', { type: 'range' }],
    ['http', { type: 'unknown' }],
    ['a:b:c:d', { type: 'unknown' }],
    ['99999:80', { type: 'unknown' }],
    ['0:80', { type: 'unknown' }],
    ['80:', { type: 'unknown' }],
    ['80:80/', { type: 'unknown' }],
    [':80:80', { type: 'unknown' }],
    ['[::1:80:80', { type: 'unknown' }],
  ])('%s', (spec, expected) => {
    expect(parsePortSpec(spec)).toEqual(expected);
  });
});

describe('portClaims', () => {
  it('labels each claim with the spec as written', () => {
    expect(portClaims([' 80:80', '53:53/udp'])).toEqual({
      claims: [
        { type: 'port', port: 80, protocol: 'tcp', bind: undefined, label: ' 80:80' },
        { type: 'port', port: 53, protocol: 'udp', bind: undefined, label: '53:53/udp' },
      ],
      unchecked: [],
    });
  });

  it('claims nothing for random or unknown shapes and notes every range', () => {
    expect(portClaims(['5432', 'weird', '8000-8010:8000-8010', '127.0.0.1:9000-9001:9000-9001'])).toEqual({
      claims: [],
      unchecked: [
        'port range `8000-8010:8000-8010` is not checked for conflicts',
        'port range `127.0.0.1:9000-9001:9000-9001` is not checked for conflicts',
      ],
    });
  });
});
