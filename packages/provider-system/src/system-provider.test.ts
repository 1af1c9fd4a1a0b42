import { Registry } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { createSystemProvider } from './system-provider';

describe('createSystemProvider', () => {
  it('owns the system kinds and registers cleanly', () => {
    const provider = createSystemProvider();
    expect(provider.name).toBe('system');
    expect(Object.keys(provider.kinds).sort()).toEqual([
      'system_apt_repo',
      'system_authorized_key',
      'system_dir',
      'system_file',
      'system_group',
      'system_line',
      'system_package',
      'system_secret_file',
      'system_service',
      'system_symlink',
      'system_sysctl',
      'system_ufw_rule',
      'system_user',
    ]);
    const registry = new Registry([provider]);
    expect(registry.forKind('system_dir').handler).toBe(provider.kinds.system_dir);
    for (const handler of Object.values(provider.kinds)) expect(handler.probe).toBeTypeOf('function');
  });

  it('a read of a state entry without host fails clearly', () => {
    const kind = createSystemProvider().kinds.system_file!;
    expect(() => kind.probe!({ kind: 'system_file', name: 'x', prior: { path: '/x' } })).toThrow(
      expect.objectContaining({ code: 'InvalidState' }),
    );
  });

  it('every kind names its host in its identity, so no secret can stand for a host', () => {
    for (const [kind, handler] of Object.entries(createSystemProvider().kinds)) {
      expect(handler.identity?.[0], kind).toBe('host');
    }
  });

  it('two providers are the same kinds: nothing is remembered per instance', () => {
    expect(createSystemProvider().kinds).toEqual(createSystemProvider().kinds);
  });
});
