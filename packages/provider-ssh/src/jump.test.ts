import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StratumError } from '@stratum/core';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransportOptions } from './transport';

/**
 * Jump hosts on real sshds: a bastion (its own sshd, with its own host key
 * and client key) and a target behind it. The target is reached through a
 * direct-tcpip channel of the bastion's connection (ssh2 `forwardOut`), never
 * by a TCP connection of its own: dropping the bastion's connections drops it.
 */

let bastion: LoopbackSshd;
let target: LoopbackSshd;
let noForwarding: LoopbackSshd;
let dir: string;

beforeAll(async () => {
  [bastion, target, noForwarding] = await Promise.all([
    startLoopbackSshd(),
    startLoopbackSshd(),
    startLoopbackSshd({ extraConfig: ['AllowTcpForwarding no'] }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'stratum-jump-'));
});

afterAll(async () => {
  await Promise.all([bastion?.stop(), target?.stop(), noForwarding?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

const TARGET = 'root@127.0.0.1';

function options(jump: readonly string[], knownHostsPath: string): SshTransportOptions {
  return {
    homeDir: dir,
    sshConfigPath: '/dev/null',
    knownHostsPath,
    agentSocket: null,
    identityFiles: [
      ...bastion.transportOptions.identityFiles,
      ...target.transportOptions.identityFiles,
      ...noForwarding.transportOptions.identityFiles,
    ],
    hosts: [{ addr: TARGET, port: target.port, jump }],
  };
}

async function rejection(promise: Promise<unknown>): Promise<StratumError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(StratumError.isInstance(error), String(error)).toBe(true);
  return error as StratumError;
}

describe('a target behind a jump host', { timeout: 60_000 }, () => {
  it('runs commands through one bastion connection, checking both host keys', async () => {
    const knownHosts = join(dir, 'known_hosts_ok');
    const t = createSshTransport(options([`root@127.0.0.1:${bastion.port}`], knownHosts));
    try {
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) => t.exec(TARGET, `echo ${i}; echo "$SSH_CONNECTION" >&2`)),
      );
      expect(results.map((r) => r.stdout)).toEqual(['0\n', '1\n', '2\n', '3\n', '4\n']);
      // The target sees its connection on its own port; one connection each, at both sshds.
      expect(results[0]!.stderr).toMatch(new RegExp(` ${target.port}\\n$`));
      expect(await bastion.connectionCount()).toBe(1);
      expect(await target.connectionCount()).toBe(1);
      const recorded = await readFile(knownHosts, 'utf8');
      expect(recorded).toContain(`[127.0.0.1]:${bastion.port} ssh-ed25519 `);
      expect(recorded).toContain(`[127.0.0.1]:${target.port} ssh-ed25519 `);

      // The target's connection is a channel of the bastion's: dropping the bastion drops a
      // command running on the target, and the next command goes through a new bastion connection.
      const dropped = rejection(t.exec(TARGET, 'sleep 5'));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await bastion.dropConnections()).toBeGreaterThan(0);
      expect((await dropped).code).toBe('ConnectionLost');
      expect((await t.exec(TARGET, 'echo again')).stdout).toBe('again\n');
    } finally {
      await t.close();
    }
  });

  it('refuses a bastion whose host key changed, naming the bastion', async () => {
    const knownHosts = join(dir, 'known_hosts_changed');
    const other = (await readFile(`${target.hostKeyPath}.pub`, 'utf8'))
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(' ');
    await writeFile(knownHosts, `[127.0.0.1]:${bastion.port} ${other}\n`);
    const t = createSshTransport(options([`root@127.0.0.1:${bastion.port}`], knownHosts));
    try {
      const error = await rejection(t.exec(TARGET, 'true'));
      expect(error.code).toBe('HostKeyChanged');
      expect(error.message).toContain(`[127.0.0.1]:${bastion.port}`);
    } finally {
      await t.close();
    }
  });

  it('says which bastion could not forward, and to where', async () => {
    const t = createSshTransport(
      options([`root@127.0.0.1:${noForwarding.port}`], join(dir, 'known_hosts_nf')),
    );
    try {
      const error = await rejection(t.exec(TARGET, 'true'));
      expect(error.code).toBe('HostUnreachable');
      expect(error.message).toContain(
        `cannot reach 127.0.0.1:${target.port} through root@127.0.0.1:${noForwarding.port}`,
      );
      expect(error.hint).toContain('AllowTcpForwarding');
    } finally {
      await t.close();
    }
  });

  it('takes ProxyJump from ssh config, and still refuses ProxyCommand with a pointer to ProxyJump', async () => {
    const config = join(dir, 'ssh_config');
    await writeFile(
      config,
      [
        'Host behind',
        '  HostName 127.0.0.1',
        `  Port ${target.port}`,
        '  User root',
        `  ProxyJump root@127.0.0.1:${bastion.port}`,
        'Host piped',
        '  ProxyCommand nc %h %p',
        '',
      ].join('\n'),
    );
    const t = createSshTransport({
      ...options([], join(dir, 'known_hosts_pj')),
      sshConfigPath: config,
      hosts: [],
    });
    try {
      expect((await t.exec('behind', 'echo via-config')).stdout).toBe('via-config\n');
      expect((await t.resolve('behind')).key).toBe(
        `root@127.0.0.1:${target.port} via root@127.0.0.1:${bastion.port}`,
      );
      const refused = await rejection(t.exec('piped', 'true'));
      expect(refused.code).toBe('SshConfigUnsupported');
      expect(refused.hint).toContain('ProxyJump');
    } finally {
      await t.close();
    }
  });
});
