import { buildPlan, Registry } from '@stratum/core';
import { desiredResource, stateWith } from '@stratum/core/test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  keyBlob,
  keyFingerprint,
  parseAuthorizedKeyProbe,
  systemAuthorizedKeySchema,
} from './authorized-key-kind';
import { createSystemProvider } from './system-provider';

const host = 'root@h';
const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyFakeKeyFakeKeyFakeKeyFakeKeyFake me@laptop';
const registry = new Registry([createSystemProvider()]);

describe('system_authorized_key', () => {
  it('takes one public key line', () => {
    expect(systemAuthorizedKeySchema.parse({ host, user: 'deploy', key: `  ${key}\n` })).toEqual({
      host,
      user: 'deploy',
      key,
      exclusive: false,
    });
    for (const bad of [
      '',
      'AAAA',
      `${key}\n${key}`,
      'from="1.2.3.4" ssh-ed25519 AAAA x',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
    ]) {
      expect(systemAuthorizedKeySchema.safeParse({ host, user: 'deploy', key: bad }).success, bad).toBe(
        false,
      );
    }
    // What `ssh-keygen -l` prints for it.
    expect(
      keyFingerprint('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGQUkSBVEpvnw3pyD+ApL16+d6RYXq2jKJ6JtKsyaRa+'),
    ).toBe('SHA256:SBuMboGOraeE8JFGLcNRNu7e/Wlv3C4FHnyVT3NwZMg');
    expect(keyBlob(key)).toBe('AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyFakeKeyFakeKeyFakeKeyFakeKeyFake');
  });

  it('one key once per user, and only one exclusive key per user', () => {
    const twice = [
      desiredResource('system_authorized_key', 'a', { host, user: 'deploy', key }),
      desiredResource('system_authorized_key', 'b', {
        host,
        user: 'deploy',
        key: key.replace('me@laptop', 'other'),
      }),
    ];
    expect(() => buildPlan(twice, stateWith(), { registry })).toThrow('both use authorized key');
    const exclusive = [
      desiredResource('system_authorized_key', 'a', { host, user: 'deploy', key, exclusive: true }),
      desiredResource('system_authorized_key', 'b', {
        host,
        user: 'deploy',
        key: 'ssh-rsa AAAAB3 x',
        exclusive: true,
      }),
    ];
    expect(() => buildPlan(exclusive, stateWith(), { registry })).toThrow(
      'exclusive authorized key of user `deploy`',
    );
    const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOtherKeyOtherKeyOtherKeyOtherKeyOt you@desk';
    const two = [
      desiredResource('system_authorized_key', 'a', { host, user: 'deploy', key }),
      desiredResource('system_authorized_key', 'b', { host, user: 'deploy', key: other }),
    ];
    expect(buildPlan(two, stateWith(), { registry }).steps).toHaveLength(2);
    const users = [
      desiredResource('system_authorized_key', 'a', { host, user: 'deploy', key }),
      desiredResource('system_authorized_key', 'b', { host, user: 'ops', key }),
    ];
    expect(buildPlan(users, stateWith(), { registry }).steps).toHaveLength(2);
  });

  it('reads the line holding the key, and whether it is alone', () => {
    const target = { host, user: 'deploy', exclusive: true };
    expect(parseAuthorizedKeyProbe(target, `KEY|${key}\nOTHERS|0\n`, 0)).toEqual({
      status: 'present',
      attrs: { host, user: 'deploy', key, exclusive: true },
    });
    expect(parseAuthorizedKeyProbe(target, `KEY|${key}\nOTHERS|2\n`, 0)).toMatchObject({
      attrs: { exclusive: false },
    });
    expect(parseAuthorizedKeyProbe({ ...target, exclusive: false }, `KEY|${key}\nOTHERS|2\n`, 0)).toEqual({
      status: 'present',
      attrs: { host, user: 'deploy', key },
    });
    for (const gone of ['KEY|\nOTHERS|1\n', 'NO_USER\n', 'NO_FILE\n']) {
      expect(parseAuthorizedKeyProbe(target, gone, 0)).toEqual({ status: 'absent' });
    }
    expect(parseAuthorizedKeyProbe(target, 'awk: cannot open file\n', 2)).toEqual({
      status: 'unknown',
      reason: 'system_authorized_key read for deploy on root@h failed (exit 2): "awk: cannot open file"',
    });
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.integer({ min: 0, max: 255 }),
        (out, code) => {
          expect(['present', 'absent', 'unknown']).toContain(
            parseAuthorizedKeyProbe(target, out, code).status,
          );
        },
      ),
    );
  });
});
