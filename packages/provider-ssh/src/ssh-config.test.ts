import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StratumError } from '@stratum/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HostSettings,
  loadSshConfig,
  parseTargetAddr,
  type ResolveContext,
  resolveTarget,
} from './ssh-config';

let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'stratum-ssh-config-'));
  await mkdir(join(home, '.ssh', 'config.d'), { recursive: true });
  await writeFile(
    join(home, '.ssh', 'config'),
    [
      'Include config.d/*.conf',
      '',
      'Host web',
      '  HostName 198.51.100.7',
      '  Port 2200',
      '  User deploy',
      '  IdentityFile ~/.ssh/web_key',
      '  IdentityFile %d/keys/%r@%h',
      '',
      'Host *.lab',
      '  HostName %h.internal',
      '  IdentitiesOnly yes',
      '',
      'Host jumpy',
      '  ProxyJump bastion',
      '',
      'Host noagent',
      '  IdentityAgent none',
      '  UserKnownHostsFile ~/.ssh/other_known_hosts',
      '  ConnectTimeout 7',
      '  HostKeyAlias pinned',
      '',
      'Host badport',
      '  Port ssh',
      '',
      'Host strict strict-*',
      '  StrictHostKeyChecking yes',
      '',
      'Host lax',
      '  StrictHostKeyChecking no',
      '',
      'Host lax-off',
      '  StrictHostKeyChecking off',
      '',
      'Host asking',
      '  StrictHostKeyChecking ask',
      '',
      'Host shouty',
      '  StrictHostKeyChecking Accept-New',
      '',
      'Host badstrict',
      '  StrictHostKeyChecking maybe',
      '',
      'Host *',
      '  StrictHostKeyChecking accept-new',
      '',
      'Host *',
      '  User fallback',
      '  Port 2022',
      '',
    ].join('\n'),
  );
  await writeFile(join(home, '.ssh', 'config.d', 'extra.conf'), 'Host included\n  HostName 203.0.113.9\n');
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function ctx(hosts: HostSettings[] = []): Promise<ResolveContext> {
  const configPath = join(home, '.ssh', 'config');
  return {
    config: await loadSshConfig(configPath, home),
    configPath,
    hosts: new Map(hosts.map((h) => [h.addr, h])),
    homeDir: home,
    localUser: 'me',
  };
}

describe('parseTargetAddr', () => {
  it('splits user@host on the last @ and unwraps IPv6 brackets', () => {
    expect(parseTargetAddr('root@192.0.2.10')).toEqual({ user: 'root', host: '192.0.2.10' });
    expect(parseTargetAddr('web')).toEqual({ user: undefined, host: 'web' });
    expect(parseTargetAddr('a@b@host')).toEqual({ user: 'a@b', host: 'host' });
    expect(parseTargetAddr('root@[::1]')).toEqual({ user: 'root', host: '::1' });
  });
});

describe('resolveTarget', () => {
  it('resolves an alias to HostName, Port, User and IdentityFile (tilde and tokens expanded)', async () => {
    const t = resolveTarget('web', await ctx());
    expect(t).toMatchObject({
      user: 'deploy',
      hostname: '198.51.100.7',
      port: 2200,
      key: 'deploy@198.51.100.7:2200',
    });
    expect(t.identityFiles).toEqual([
      join(home, '.ssh', 'web_key'),
      join(home, 'keys', 'deploy@198.51.100.7'),
    ]);
  });

  it('lets the addr user beat ssh config User, and a host block port beat ssh config Port', async () => {
    const t = resolveTarget('root@web', await ctx([{ addr: 'root@web', port: 2999 }]));
    expect(t).toMatchObject({ user: 'root', hostname: '198.51.100.7', port: 2999 });
    // The host block applies to its own addr only.
    expect(resolveTarget('web', await ctx([{ addr: 'root@web', port: 2999 }])).port).toBe(2200);
  });

  it('falls back to Host * values, then to the local user and port 22', async () => {
    expect(resolveTarget('elsewhere', await ctx())).toMatchObject({
      user: 'fallback',
      port: 2022,
      hostname: 'elsewhere',
    });
    const none: ResolveContext = { ...(await ctx()), config: undefined };
    expect(resolveTarget('elsewhere', none)).toMatchObject({ user: 'me', port: 22, identityFiles: [] });
  });

  it('expands %h in HostName and reads IdentitiesOnly', async () => {
    const t = resolveTarget('box.lab', await ctx());
    expect(t.hostname).toBe('box.lab.internal');
    expect(t.identitiesOnly).toBe(true);
  });

  it('reads IdentityAgent none, UserKnownHostsFile, ConnectTimeout and HostKeyAlias', async () => {
    const t = resolveTarget('noagent', await ctx());
    expect(t.identityAgent).toBeNull();
    expect(t.knownHostsFiles).toEqual([join(home, '.ssh', 'other_known_hosts')]);
    expect(t.connectTimeoutMs).toBe(7000);
    expect(t.hostKeyAlias).toBe('pinned');
  });

  it('follows Include (relative to ~/.ssh, globbed)', async () => {
    expect(resolveTarget('included', await ctx()).hostname).toBe('203.0.113.9');
  });

  it('resolves ProxyJump into a chain of hops, each with its own ssh config entry', async () => {
    const c = await ctx();
    const jumpy = resolveTarget('jumpy', c);
    // `bastion` is resolved like any target (its Host entry, if any, applies).
    expect(jumpy.jump?.hostname).toBe('bastion');
    expect(jumpy.key).toMatch(/ via .*@bastion:\d+$/);
    const chain = resolveTarget('root@db', {
      ...c,
      hosts: new Map([
        ['root@db', { addr: 'root@db', jump: ['ops@first:2222', 'second', 'admin@[2001:db8::1]:22'] }],
      ]),
    });
    const hops: string[] = [];
    for (let hop = chain.jump; hop !== undefined; hop = hop.jump)
      hops.push(`${hop.user}@${hop.hostname}:${hop.port}`);
    // Last hop first: the target is reached from the last, which is reached from the one before.
    // `second` names neither user nor port, so the config's `Host *` (User fallback, Port 2022) fills them.
    expect(hops).toEqual(['admin@2001:db8::1:22', 'fallback@second:2022', 'ops@first:2222']);
    expect(() =>
      resolveTarget('root@db', {
        ...c,
        hosts: new Map([['root@db', { addr: 'root@db', jump: ['a@b:c:d'] }]]),
      }),
    ).toThrow(/is not \[user@\]host\[:port\]/);
  });

  it('rejects a Port that is not a number, and an empty host', async () => {
    const c = await ctx();
    expect(() => resolveTarget('badport', c)).toThrow(/Port `ssh`/);
    expect(() => resolveTarget('root@', c)).toThrow(/no host name/);
  });

  it('reads StrictHostKeyChecking per Host block, first match winning', async () => {
    const c = await ctx();
    expect(resolveTarget('strict', c).strictHostKeyChecking).toBe('yes');
    expect(resolveTarget('strict-db', c).strictHostKeyChecking).toBe('yes');
    expect(resolveTarget('lax', c).strictHostKeyChecking).toBe('no');
    expect(resolveTarget('lax-off', c).strictHostKeyChecking).toBe('no');
    expect(resolveTarget('asking', c).strictHostKeyChecking).toBe('ask');
    expect(resolveTarget('shouty', c).strictHostKeyChecking).toBe('accept-new');
    expect(resolveTarget('elsewhere', c).strictHostKeyChecking).toBe('accept-new');
    // No ssh config at all: accept-new, stratum's default.
    const none: ResolveContext = { ...c, config: undefined };
    expect(resolveTarget('strict', none).strictHostKeyChecking).toBe('accept-new');
  });

  it('rejects a StrictHostKeyChecking value ssh would not take', async () => {
    let caught: unknown;
    try {
      resolveTarget('badstrict', await ctx());
    } catch (err) {
      caught = err;
    }
    expect(StratumError.hasCode(caught, 'SshConfigInvalid')).toBe(true);
    expect((caught as Error).message).toContain('StrictHostKeyChecking `maybe`');
    expect((caught as Error).message).toContain('`badstrict`');
  });

  it('treats a missing config file as no config', async () => {
    expect(await loadSshConfig(join(home, 'nope'), home)).toBeUndefined();
  });

  it('refuses a missing config file that was asked for explicitly', async () => {
    const path = join(home, 'nope');
    let caught: unknown;
    try {
      await loadSshConfig(path, home, { required: true });
    } catch (err) {
      caught = err;
    }
    expect(StratumError.hasCode(caught, 'SshConfigMissing')).toBe(true);
    expect((caught as Error).message).toContain(path);
  });
});
