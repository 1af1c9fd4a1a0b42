import { buildPlan, Registry } from '@stratum/core';
import { desiredResource, stateWith } from '@stratum/core/test';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupCommand, parseGroupProbe, systemGroupSchema } from './group-kind';
import { createSystemProvider } from './system-provider';
import { parseUserProbe, systemUserSchema, userCommand } from './user-kind';

const host = 'root@h';
const registry = new Registry([createSystemProvider()]);
const outputs = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    'rc=0\n',
    'rc=2\n',
    'rc=2\n\n',
    'rc=0\nPASSWD|a:x:1:1::/h:/bin/sh\n',
    'rc=0\nwheel:x:10:\n',
  ),
);

describe('system_user', () => {
  it('validates names, ids and paths', () => {
    expect(systemUserSchema.parse({ host })).toEqual({ host, system: false, lock_password: false });
    expect(systemUserSchema.safeParse({ host, name: 'bad name' }).success).toBe(false);
    expect(systemUserSchema.safeParse({ host, name: '-rf' }).success).toBe(false);
    expect(systemUserSchema.safeParse({ host, uid: -1 }).success).toBe(false);
    expect(systemUserSchema.safeParse({ host, shell: 'bash' }).success).toBe(false);
    expect(systemUserSchema.safeParse({ host, groups: ['a,b'] }).success).toBe(false);
  });

  it('creates with useradd or brings an existing user in line with usermod, then locks', () => {
    const attrs = systemUserSchema.parse({
      host,
      uid: 1001,
      group: 'staff',
      groups: ['sudo', 'adm'],
      shell: '/bin/bash',
      lock_password: true,
    });
    expect(userCommand('deploy', attrs)).toBe(
      'if getent passwd deploy >/dev/null; then usermod --uid 1001 --gid staff --groups sudo,adm --shell /bin/bash -- deploy; else useradd --uid 1001 --gid staff --groups sudo,adm --shell /bin/bash --create-home -- deploy; fi && usermod --lock -- deploy',
    );
    expect(userCommand('svc', systemUserSchema.parse({ host, system: true, home: '/var/lib/svc' }))).toBe(
      'if getent passwd svc >/dev/null; then usermod --home /var/lib/svc -- svc; else useradd --home-dir /var/lib/svc --system -- svc; fi',
    );
    expect(userCommand('x', systemUserSchema.parse({ host, groups: [] }))).toContain(
      "usermod --groups '' -- x",
    );
  });

  it('one user name per host, whether by label or by name', () => {
    const desired = [
      desiredResource('system_user', 'deploy', { host }),
      desiredResource('system_user', 'other', { host, name: 'deploy' }),
    ];
    expect(() => buildPlan(desired, stateWith(), { registry })).toThrow('both use user name `deploy`');
  });

  it('reads what state names, supplementary groups as a set, the lock only when asked', () => {
    const out =
      'rc=0\nPASSWD|deploy:x:1001:1001:,,,:/home/deploy:/bin/bash\nGROUP|deploy\nGROUPS|deploy sudo adm\nSTATUS|L\n';
    expect(parseUserProbe({ host, name: 'deploy', prior: {} }, out, 0)).toEqual({
      status: 'present',
      attrs: { host, name: 'deploy' },
    });
    expect(
      parseUserProbe(
        {
          host,
          name: 'deploy',
          prior: { uid: 1, group: 'g', groups: [], shell: '/bin/sh', home: '/h', lock_password: true },
        },
        out,
        0,
      ),
    ).toEqual({
      status: 'present',
      attrs: {
        host,
        name: 'deploy',
        uid: 1001,
        group: 'deploy',
        groups: ['sudo', 'adm'],
        shell: '/bin/bash',
        home: '/home/deploy',
        lock_password: true,
      },
    });
    expect(parseUserProbe({ host, name: 'deploy', prior: {} }, 'rc=2\n', 0)).toEqual({ status: 'absent' });
    expect(parseUserProbe({ host, name: 'deploy', prior: {} }, 'rc=1\n', 0)).toEqual({
      status: 'unknown',
      reason: 'system_user read of deploy on root@h failed (exit 0): "rc=1"',
    });
  });

  it('the parser never throws', () => {
    fc.assert(
      fc.property(outputs, fc.integer({ min: 0, max: 255 }), (out, code) => {
        expect(['present', 'absent', 'unknown']).toContain(
          parseUserProbe({ host, name: 'a', prior: { uid: 1, groups: [] } }, out, code).status,
        );
      }),
    );
  });
});

describe('system_group', () => {
  it('creates, or changes the gid of an existing group', () => {
    expect(groupCommand('ops', systemGroupSchema.parse({ host, gid: 3000, system: true }))).toBe(
      'if getent group ops >/dev/null; then [ "$(getent group ops | cut -d: -f3)" = 3000 ] || groupmod --gid 3000 -- ops; else groupadd --gid 3000 --system -- ops; fi',
    );
    expect(groupCommand('ops', systemGroupSchema.parse({ host }))).toBe(
      'if getent group ops >/dev/null; then true; else groupadd -- ops; fi',
    );
  });

  it('one group name per host', () => {
    const desired = [
      desiredResource('system_group', 'a', { host, name: 'ops' }),
      desiredResource('system_group', 'ops', { host }),
    ];
    expect(() => buildPlan(desired, stateWith(), { registry })).toThrow('both use group name `ops`');
  });

  it('reads the gid only when state records one; never throws', () => {
    expect(parseGroupProbe({ host, name: 'ops', gid: 5 }, 'rc=0\nops:x:3000:a,b\n', 0)).toEqual({
      status: 'present',
      attrs: { host, name: 'ops', gid: 3000 },
    });
    expect(parseGroupProbe({ host, name: 'ops', gid: undefined }, 'rc=0\nops:x:3000:\n', 0)).toEqual({
      status: 'present',
      attrs: { host, name: 'ops' },
    });
    expect(parseGroupProbe({ host, name: 'ops', gid: 5 }, 'rc=2\n\n', 0)).toEqual({ status: 'absent' });
    expect(parseGroupProbe({ host, name: 'ops', gid: 5 }, 'rc=0\nother:x:1:\n', 0).status).toBe('unknown');
    fc.assert(
      fc.property(outputs, fc.integer({ min: 0, max: 255 }), (out, code) => {
        expect(['present', 'absent', 'unknown']).toContain(
          parseGroupProbe({ host, name: 'wheel', gid: 1 }, out, code).status,
        );
      }),
    );
  });
});
