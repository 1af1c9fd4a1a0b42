import { CommandFailedError, StratumError } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import {
  AuthFailedError,
  CommandTimeoutError,
  ConnectionLostError,
  HostKeyChangedError,
  HostKeyUnknownError,
  SshError,
} from './errors';

const hostKeyChanged = () =>
  new HostKeyChangedError({
    target: 'root@h:22',
    knownHostsName: 'h',
    knownHostsFile: '/home/u/.ssh/known_hosts',
    line: 3,
    expectedFingerprint: 'SHA256:old',
    actualFingerprint: 'SHA256:new',
    actualKeyType: 'ssh-ed25519',
  });

/** Each subclass with a way to make one. */
const subclasses: [string, { isInstance(value: unknown): boolean }, () => SshError][] = [
  ['AuthFailedError', AuthFailedError, () => new AuthFailedError('root@h:22', [])],
  ['HostKeyChangedError', HostKeyChangedError, hostKeyChanged],
  [
    'HostKeyUnknownError',
    HostKeyUnknownError,
    () =>
      new HostKeyUnknownError({
        target: 'root@h:2222',
        host: 'h:2222',
        hostname: 'h',
        port: 2222,
        knownHostsName: '[h]:2222',
        knownHostsFiles: ['/home/u/.ssh/known_hosts'],
        fingerprint: 'SHA256:new',
        keyType: 'ssh-ed25519',
        policy: 'yes',
        hostKeyAlias: undefined,
      }),
  ],
  ['CommandTimeoutError', CommandTimeoutError, () => new CommandTimeoutError('root@h:22', 'sleep 9', 100)],
  ['ConnectionLostError', ConnectionLostError, () => new ConnectionLostError('root@h:22', 'uptime', true)],
];

describe('ssh error markers', () => {
  it('SshError.isInstance is false for a plain StratumError and for another package’s error', () => {
    expect(SshError.isInstance(new StratumError('HostUnreachable', 'x'))).toBe(false);
    expect(
      SshError.isInstance(
        new CommandFailedError({ resource: 'a.b', host: 'h', step: 's', exitCode: 1, output: '' }),
      ),
    ).toBe(false);
    expect(SshError.isInstance(new Error('x'))).toBe(false);
    expect(SshError.isInstance(undefined)).toBe(false);
  });

  it('SshError.isInstance is true for an SshError and each subclass; StratumError.isInstance too', () => {
    const plain = new SshError('HostUnreachable', 'ssh: cannot reach h');
    expect(SshError.isInstance(plain)).toBe(true);
    expect(StratumError.isInstance(plain)).toBe(true);
    for (const [, , make] of subclasses) {
      const error = make();
      expect(SshError.isInstance(error)).toBe(true);
      expect(StratumError.isInstance(error)).toBe(true);
    }
  });

  it.each(subclasses)('%s.isInstance is true for its own class only', (name, cls) => {
    for (const [otherName, , make] of subclasses) {
      expect([otherName, cls.isInstance(make())]).toEqual([otherName, otherName === name]);
    }
    expect(cls.isInstance(new SshError('AuthFailed', 'x'))).toBe(false);
  });

  it('AuthFailedError.isInstance is false for a HostKeyChangedError', () => {
    expect(AuthFailedError.isInstance(hostKeyChanged())).toBe(false);
  });
});

describe('error classes of the package', () => {
  it('each declares a marker of its own, none shared', async () => {
    const exported = Object.values(await import('./index')).filter(
      (value): value is typeof SshError =>
        typeof value === 'function' && (value === SshError || value.prototype instanceof SshError),
    );
    expect(exported.map((cls) => cls.name).sort()).toEqual(
      [
        'AuthFailedError',
        'CommandTimeoutError',
        'ConnectionLostError',
        'HostKeyChangedError',
        'HostKeyUnknownError',
        'SshError',
      ].sort(),
    );
    for (const cls of exported) expect([cls.name, Object.hasOwn(cls, 'marker')]).toEqual([cls.name, true]);
    expect(new Set(exported.map((cls) => cls.marker)).size).toBe(exported.length);
  });
});
