import { describe, expect, it } from 'vitest';
import { addrKey, parseAddr } from './addr';
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
