import { describe, expect, it } from 'vitest';
import type { ResourceState } from '../types';
import { deleteOrder } from './delete-order';

function st(key: string, dependsOn?: string[]): ResourceState {
  const dot = key.indexOf('.');
  const kind = key.slice(0, dot);
  return {
    addr: { kind, name: key.slice(dot + 1) },
    provider: kind.split('_')[0]!,
    attrs: dependsOn === undefined ? { host: 'h' } : { host: 'h', depends_on: dependsOn },
  };
}

const keys = (rs: ResourceState[]) => rs.map((r) => `${r.addr.kind}.${r.addr.name}`);

describe('deleteOrder', () => {
  it('deletes a reader before the resource it read (the references state recorded)', () => {
    // Reverse address order alone would delete the network first, under the running container.
    const container = { ...st('docker_container.app'), reads: ['docker_network.net'] };
    const leaving = [st('docker_network.net'), container, st('system_file.z')];
    expect(keys(deleteOrder(leaving))).toEqual([
      'system_file.z',
      'docker_container.app',
      'docker_network.net',
    ]);
  });

  it('without edges, goes in reverse address order', () => {
    const leaving = ['system_package.docker', 'docker_container.traefik', 'docker_network.edge'].map((k) =>
      st(k),
    );
    expect(keys(deleteOrder(leaving))).toEqual([
      'system_package.docker',
      'docker_network.edge',
      'docker_container.traefik',
    ]);
  });

  it('deletes a dependent before its dependency, after the unlinked ones', () => {
    const leaving = [
      st('docker_container.db'),
      st('docker_container.api', ['docker_container.db', 'docker_container.cache']),
      st('docker_container.cache'),
      st('system_file.motd'),
      st('docker_container.zz', ['docker_container.kept']),
    ];
    expect(keys(deleteOrder(leaving))).toEqual([
      'system_file.motd',
      'docker_container.zz',
      'docker_container.api',
      'docker_container.db',
      'docker_container.cache',
    ]);
  });

  it('orders chains forward: the last dependent first', () => {
    const leaving = [
      st('docker_container.a'),
      st('docker_container.b', ['docker_container.a']),
      st('docker_container.c', ['docker_container.b']),
    ];
    expect(keys(deleteOrder(leaving))).toEqual([
      'docker_container.c',
      'docker_container.b',
      'docker_container.a',
    ]);
  });

  it('still deletes everything when recorded edges form a cycle', () => {
    const leaving = [
      st('docker_container.a', ['docker_container.b']),
      st('docker_container.b', ['docker_container.a']),
      st('docker_container.c'),
    ];
    expect(keys(deleteOrder(leaving))).toEqual([
      'docker_container.c',
      'docker_container.b',
      'docker_container.a',
    ]);
  });
});
