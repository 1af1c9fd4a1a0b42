import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StratumError } from '@stratum/core';
import { type LoopbackSshd, startLoopbackSshd, waitForFile } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCloseThenIdle } from './__fixtures__/run-close-then-idle';
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
/** A target that allows only 3 sessions per connection. */
let narrow: LoopbackSshd;
let dir: string;

beforeAll(async () => {
  [bastion, target, noForwarding, narrow] = await Promise.all([
    startLoopbackSshd(),
    startLoopbackSshd(),
    startLoopbackSshd({ extraConfig: ['AllowTcpForwarding no'] }),
    startLoopbackSshd({ maxSessions: 3 }),
  ]);
  dir = await mkdtemp(join(tmpdir(), 'stratum-jump-'));
});

afterAll(async () => {
  await Promise.all([bastion?.stop(), target?.stop(), noForwarding?.stop(), narrow?.stop()]);
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
      ...narrow.transportOptions.identityFiles,
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

describe("the pool's guarantees behind a jump host", { timeout: 90_000 }, () => {
  const BASTION = () => [`root@127.0.0.1:${bastion.port}`];

  it('holds the channel limit of a target behind the bastion, learning a lower MaxSessions', async () => {
    const lines: string[] = [];
    const t = createSshTransport({
      ...options(BASTION(), join(dir, 'known_hosts_narrow')),
      hosts: [{ addr: TARGET, port: narrow.port, jump: BASTION() }],
      maxChannelsPerConnection: 8,
      logger: { debug: (line) => lines.push(line) },
    });
    try {
      const results = await Promise.all(
        Array.from({ length: 24 }, () => t.exec(TARGET, 'sleep 0.2; echo ok')),
      );
      expect(results.filter((r) => r.exitCode !== 0 || r.stdout !== 'ok\n')).toEqual([]);
      expect(lines.some((l) => l.includes('allows 3 sessions per connection'))).toBe(true);
      // All of it on one target connection, inside one bastion connection.
      expect(await narrow.connectionCount()).toBe(1);
      expect(await bastion.connectionCount()).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('retries a read cut off by the target, through the same bastion connection', async () => {
    const t = createSshTransport(options(BASTION(), join(dir, 'known_hosts_read_target')));
    try {
      await t.exec(TARGET, 'true');
      const marker = join(target.tempDir, `runs-target-${Date.now()}`);
      const running = t.exec(TARGET, `echo run >> ${marker}; sleep 1; echo done`, { idempotent: true });
      await waitForFile(marker);
      expect(await target.dropConnections()).toBeGreaterThan(0);
      expect((await running).stdout).toBe('done\n');
      expect((await readFile(marker, 'utf8')).trim().split('\n')).toHaveLength(2);
      expect(await bastion.connectionCount()).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('retries a read cut off by the bastion, through a new bastion connection', async () => {
    const t = createSshTransport(options(BASTION(), join(dir, 'known_hosts_read_bastion')));
    try {
      await t.exec(TARGET, 'true');
      const marker = join(target.tempDir, `runs-bastion-${Date.now()}`);
      const running = t.exec(TARGET, `echo run >> ${marker}; sleep 1; echo done`, { idempotent: true });
      await waitForFile(marker);
      expect(await bastion.dropConnections()).toBeGreaterThan(0);
      expect((await running).stdout).toBe('done\n');
      expect((await readFile(marker, 'utf8')).trim().split('\n')).toHaveLength(2);
      // A mutation cut off the same way is not replayed.
      const mutation = join(target.tempDir, `mutation-${Date.now()}`);
      const cut = rejection(t.exec(TARGET, `echo run >> ${mutation}; sleep 1`));
      await waitForFile(mutation);
      await bastion.dropConnections();
      expect((await cut).code).toBe('ConnectionLost');
      expect((await readFile(mutation, 'utf8')).trim().split('\n')).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('close() leaves nothing behind: a process that used a jump host exits by itself', async () => {
    const outcome = await runCloseThenIdle(options(BASTION(), join(dir, 'known_hosts_idle')), [TARGET]);
    expect(outcome, outcome.stderr).toMatchObject({ exitedByItself: true, code: 0 });
    expect(outcome.stdout).toMatch(/^closed; still active: /);
    expect(outcome.stdout).not.toContain('TCPSocketWrap');
  });
});
