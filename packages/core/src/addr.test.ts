import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addrKey, instanceName, parseAddr, parseInstanceName } from './addr';
import { StratumError } from './errors';

describe('addresses', () => {
  it('renders kind.name', () => {
    expect(addrKey({ kind: 'docker_container', name: 'traefik' })).toBe('docker_container.traefik');
  });

  it('splits on the first dot, so names may contain dots', () => {
    expect(parseAddr('system_file.nginx.conf')).toEqual({ kind: 'system_file', name: 'nginx.conf' });
    expect(parseAddr(addrKey({ kind: 'ssh_exec', name: '_stratum_swap_primary' }))).toEqual({
      kind: 'ssh_exec',
      name: '_stratum_swap_primary',
    });
  });

  it.each(['', 'docker_container', '.db', 'docker_container.'])('rejects %j', (bad) => {
    expect(() => parseAddr(bad)).toThrow(StratumError);
    try {
      parseAddr(bad);
    } catch (err) {
      expect(StratumError.hasCode(err, 'InvalidAddress')).toBe(true);
      expect((err as StratumError).hint).toContain('<kind>.<name>');
    }
  });
});

describe('instance names', () => {
  it('writes the key as a JSON string in brackets', () => {
    expect(instanceName('nginx', 'web1')).toBe('nginx["web1"]');
    expect(addrKey({ kind: 'system_package', name: instanceName('nginx', 'web1') })).toBe(
      'system_package.nginx["web1"]',
    );
    expect(instanceName('f', 'a"b\\c\nd.e')).toBe('f["a\\"b\\\\c\\nd.e"]');
  });

  it('parses an instance address typed by hand (state show, state rm)', () => {
    const addr = parseAddr('system_package.nginx["web.1"]');
    expect(addr).toEqual({ kind: 'system_package', name: 'nginx["web.1"]' });
    expect(parseInstanceName(addr.name)).toEqual({ base: 'nginx', key: 'web.1' });
  });

  it('round-trips any key, through the address too', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/),
        fc.string({ unit: 'binary', maxLength: 20 }),
        (base, key) => {
          const name = instanceName(base, key);
          expect(parseInstanceName(name)).toEqual({ base, key });
          expect(parseAddr(addrKey({ kind: 'system_file', name }))).toEqual({ kind: 'system_file', name });
        },
      ),
    );
  });

  it.each(['nginx', 'nginx[]', 'nginx["a"', 'nginx[a]', '["a"]', 'nginx["a"]x', 'nginx["\\u0061"]'])(
    'finds no instance in %j',
    (name) => {
      expect(parseInstanceName(name)).toBeUndefined();
    },
  );
});
