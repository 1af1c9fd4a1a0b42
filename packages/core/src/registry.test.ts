import { describe, expect, it } from 'vitest';
import { StratumError } from './errors';
import { providerNameOf, Registry } from './registry';
import { createFakeProvider } from './test/fake-provider';

function thrown(fn: () => unknown): StratumError {
  try {
    fn();
  } catch (error) {
    expect(StratumError.isInstance(error)).toBe(true);
    return error as StratumError;
  }
  throw new Error('expected a throw');
}

describe('Registry', () => {
  const docker = createFakeProvider('docker', ['docker_container', 'docker_network']);
  const system = createFakeProvider('system', ['system_file', 'system_package']);

  it('routes a kind by the prefix before its first underscore', () => {
    const registry = new Registry([docker, system]);
    const route = registry.forKind('docker_container');
    expect(route.provider).toBe(docker);
    expect(route.handler).toBe(docker.kinds.docker_container);
    expect(registry.forKind('system_package').provider).toBe(system);
    expect(providerNameOf('system_secret_file')).toBe('system');
  });

  it('lists providers in registration order and kinds sorted', () => {
    const registry = new Registry([system, docker]);
    expect(registry.providers().map((p) => p.name)).toEqual(['system', 'docker']);
    expect(registry.kinds()).toEqual(['docker_container', 'docker_network', 'system_file', 'system_package']);
    expect(registry.has('docker_network')).toBe(true);
    expect(registry.has('docker_volume')).toBe(false);
    expect(registry.provider('docker')).toBe(docker);
  });

  it('names the missing provider and lists the known ones', () => {
    const error = thrown(() => new Registry([docker, system]).forKind('git_repo'));
    expect(error.code).toBe('UnknownProvider');
    expect(error.message).toBe('no provider for kind `git_repo`: provider `git` is not loaded');
    expect(error.hint).toContain('known providers: docker, system');
  });

  it('names the missing kind and lists the provider’s kinds', () => {
    const error = thrown(() => new Registry([docker]).forKind('docker_volume'));
    expect(error.code).toBe('UnknownKind');
    expect(error.message).toBe('provider `docker` has no kind `docker_volume`');
    expect(error.hint).toBe('known kinds: docker_container, docker_network');
  });

  it('does not route inherited object keys as kinds', () => {
    expect(thrown(() => new Registry([docker]).forKind('docker_toString')).code).toBe('UnknownKind');
    expect(thrown(() => new Registry([docker]).forKind('constructor')).code).toBe('UnknownProvider');
  });

  it('refuses a duplicate provider name', () => {
    const registry = new Registry([docker]);
    const error = thrown(() => registry.register(createFakeProvider('docker', ['docker_image'])));
    expect(error.code).toBe('DuplicateProvider');
    expect(registry.has('docker_image')).toBe(false);
  });

  it('refuses a kind without the provider’s prefix', () => {
    const error = thrown(
      () => new Registry([createFakeProvider('docker', ['docker_container', 'container'])]),
    );
    expect(error.code).toBe('BadProviderKind');
    expect(error.message).toBe(
      'provider `docker` declares kind `container`, which does not start with `docker_`',
    );
    expect(thrown(() => new Registry([createFakeProvider('docker', ['docker_'])])).code).toBe(
      'BadProviderKind',
    );
  });

  it('refuses a provider name that could never be routed', () => {
    expect(thrown(() => new Registry([createFakeProvider('my_co', ['my_co_thing'])])).code).toBe(
      'BadProviderName',
    );
    expect(thrown(() => new Registry([createFakeProvider('', [])])).code).toBe('BadProviderName');
  });
});
