import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StratumError } from '@stratum/core';
import { freePort, type LoopbackSshd, startLoopbackSshd, waitForFile } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ConnectionLostError, HostKeyUnknownError, SshError } from './errors';
import { createSshTransport, type SshTransport, type SshTransportOptions } from './transport';

/** Resolves with the rejection of `promise`, failing when it fulfils. */
async function rejection(promise: Promise<unknown>): Promise<StratumError> {
  try {
    await promise;
  } catch (err) {
    if (!StratumError.isInstance(err)) throw err;
    return err;
  }
  throw new Error('expected a rejection');
}

let sshd: LoopbackSshd;
const transports: SshTransport[] = [];

/** A transport aimed at the loopback sshd, closed after the suite. */
function transport(extra: Partial<SshTransportOptions> = {}): SshTransport {
  const t = createSshTransport({ ...sshd.transportOptions, ...extra });
  transports.push(t);
  return t;
}

beforeAll(async () => {
  sshd = await startLoopbackSshd();
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await sshd?.stop();
});

describe('pooling', () => {
  it('runs concurrent and sequential commands over one TCP connection', async () => {
    const t = transport();
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.exec(sshd.addr, `echo ${i}`, { idempotent: true })),
    );
    expect(concurrent.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    for (let i = 0; i < 10; i++) {
      expect((await t.exec(sshd.addr, 'true')).exitCode).toBe(0);
    }
    expect(t.connectionCount).toBe(1);
    expect(await sshd.connectionCount()).toBe(1);
  });
});

describe('prepare', () => {
  it('connects ahead of the first exec, which then uses that connection', async () => {
    const t = transport();
    const before = await sshd.connectionCount();
    t.prepare(sshd.addr);
    await vi.waitFor(async () => expect(await sshd.connectionCount()).toBe(before + 1));
    expect((await t.exec(sshd.addr, 'echo ok')).stdout).toBe('ok\n');
    expect(t.connectionCount).toBe(1);
    expect(await sshd.connectionCount()).toBe(before + 1);
  });
});

describe('results', () => {
  it('returns exit code, stdout and stderr as data', async () => {
    const result = await transport().exec(sshd.addr, 'echo out; echo err >&2; exit 7');
    expect(result).toEqual({ exitCode: 7, stdout: 'out\n', stderr: 'err\n' });
  });

  it('keeps the exit status of commands that finish at once, under load', async () => {
    // The status can arrive in the same packet batch as the channel's confirmation.
    const t = transport();
    const results = await Promise.all(Array.from({ length: 200 }, () => t.exec(sshd.addr, 'exit 3')));
    expect(results.filter((r) => r.exitCode !== 3)).toEqual([]);
  });

  it('reports a signal death as 128 + the signal number, like a shell', async () => {
    const result = await transport().exec(sshd.addr, 'kill -TERM $$');
    expect(result.exitCode).toBe(143);
  });

  it('runs the command through the login shell with the remote user', async () => {
    const result = await transport().exec(sshd.addr, 'id -un; echo "$HOME"');
    expect(result.stdout).toBe('root\n/root\n');
  });
});

describe('stdin', () => {
  it('passes a string through exactly, multibyte characters included', async () => {
    // ~1.2 MB of mixed-width characters: chunk boundaries fall inside characters.
    const text = 'aé€😀\n'.repeat(100_000);
    const result = await transport().exec(sshd.addr, 'cat', { stdin: text });
    expect(result.stdout.length).toBe(text.length);
    expect(result.stdout === text).toBe(true);
  });

  it('passes binary bytes through exactly', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const expected = createHash('sha256').update(bytes).digest('hex');
    const result = await transport().exec(sshd.addr, 'sha256sum', { stdin: bytes });
    expect(result.stdout.split(' ')[0]).toBe(expected);
  });

  it('sends EOF when there is no stdin', async () => {
    const result = await transport().exec(sshd.addr, 'cat; echo eof');
    expect(result.stdout).toBe('eof\n');
  });

  it('streams 100 MB from an async generator in constant memory', { timeout: 180_000 }, async () => {
    const chunkSize = 256 * 1024;
    const chunks = 400; // 100 MiB
    const seed = randomBytes(chunkSize);
    const hash = createHash('sha256');
    const gc = exposeGc();
    const t = transport();
    await t.exec(sshd.addr, 'true');
    gc();
    gc();
    const before = process.memoryUsage();
    let peakBuffers = 0;
    let peakRss = 0;
    async function* produce() {
      for (let i = 0; i < chunks; i++) {
        if (i % 20 === 0) {
          // Collect first (twice: buffers are freed in a second pass), so the
          // sample counts what is still referenced, not garbage.
          gc();
          gc();
          const now = process.memoryUsage();
          peakBuffers = Math.max(peakBuffers, now.arrayBuffers - before.arrayBuffers);
          peakRss = Math.max(peakRss, now.rss - before.rss);
        }
        // A fresh buffer per chunk (the transport may still hold the last one), varied so order matters.
        const chunk = Buffer.from(seed);
        chunk.writeUInt32BE(i, 0);
        hash.update(chunk);
        yield chunk;
      }
    }
    const result = await t.exec(sshd.addr, 'sha256sum', { stdin: produce() });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split(' ')[0]).toBe(hash.digest('hex'));
    // Buffering the stream would hold up to 100 MiB; backpressure keeps about one ssh window (2 MiB).
    expect(peakBuffers).toBeLessThan(16 * 1024 * 1024);
    expect(peakRss).toBeLessThan(48 * 1024 * 1024);
  });

  it('fails with StdinFailed when the stdin stream throws', async () => {
    async function* broken() {
      yield Buffer.from('partial');
      throw new Error('disk went away');
    }
    const err = await rejection(transport().exec(sshd.addr, 'cat >/dev/null', { stdin: broken() }));
    expect(err.code).toBe('StdinFailed');
    expect(err.message).toContain('disk went away');
  });

  it('stops reading the stream when the command exits early', async () => {
    let produced = 0;
    let cleanedUp = false;
    async function* endless() {
      try {
        for (;;) {
          produced++;
          yield Buffer.alloc(64 * 1024, 1);
        }
      } finally {
        cleanedUp = true;
      }
    }
    const result = await transport().exec(sshd.addr, 'head -c 10 >/dev/null; exit 3', { stdin: endless() });
    expect(result.exitCode).toBe(3);
    await vi.waitFor(() => expect(cleanedUp).toBe(true));
    expect(produced).toBeLessThan(10_000);
  });
});

describe('timeouts and interruption', () => {
  it('gives up on a command that runs past its timeout, and the connection carries on', async () => {
    const t = transport();
    const err = await rejection(t.exec(sshd.addr, 'sleep 31.5\necho never', { timeoutMs: 300 }));
    expect(err.code).toBe('CommandTimeout');
    expect(err.message).toContain('`sleep 31.5 ...`');
    expect(err.message).toContain('300 ms');
    expect((await t.exec(sshd.addr, 'echo still here')).stdout).toBe('still here\n');
    // sshd does not deliver KILL to root sessions, so the sleep may live on; end it.
    await t.exec(sshd.addr, 'pkill -f "sleep 3[1].5"; true');
  });

  it('applies the transport-wide default timeout', async () => {
    const t = transport({ commandTimeoutMs: 200 });
    const err = await rejection(t.exec(sshd.addr, 'sleep 5.25'));
    expect(err.code).toBe('CommandTimeout');
    await t.exec(sshd.addr, 'pkill -f "sleep 5[.]25"; true');
  });

  it('interrupts a command when the caller aborts', async () => {
    const controller = new AbortController();
    const t = transport();
    const running = rejection(t.exec(sshd.addr, 'sleep 32.5', { signal: controller.signal }));
    setTimeout(() => controller.abort(), 200);
    expect((await running).code).toBe('CommandAborted');
    await t.exec(sshd.addr, 'pkill -f "sleep 3[2].5"; true');
  });

  it('does not start a command whose signal already fired', async () => {
    const t = transport();
    const err = await rejection(t.exec(sshd.addr, 'touch /tmp/never', { signal: AbortSignal.abort() }));
    expect(err.code).toBe('CommandAborted');
    expect(t.connectionCount).toBe(0);
  });
});

describe('connect failures', () => {
  let silent: Server;
  let silentPort: number;
  const accepted: Socket[] = [];
  beforeAll(async () => {
    // Accepts TCP and never says a word: the ssh handshake can never finish.
    silent = createServer((socket) => accepted.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of accepted) socket.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('times out against a server that accepts TCP but never speaks ssh', async () => {
    const t = transport({ hosts: [{ addr: 'root@127.0.0.1', port: silentPort }], connectTimeoutMs: 500 });
    const err = await rejection(t.exec('root@127.0.0.1', 'true'));
    expect(err.code).toBe('ConnectTimeout');
    expect(err.message).toContain(`root@127.0.0.1:${silentPort}`);
  });

  it('reports a prepared connection that failed from the next exec only, having tried once', async () => {
    const before = accepted.length;
    const t = transport({ hosts: [{ addr: 'root@127.0.0.1', port: silentPort }], connectTimeoutMs: 300 });
    t.prepare('root@127.0.0.1');
    t.prepare('root@127.0.0.1');
    // Long after the prepared attempt timed out: the exec reports it and makes none of its own.
    await new Promise((r) => setTimeout(r, 600));
    const err = await rejection(t.exec('root@127.0.0.1', 'true'));
    expect(err.code).toBe('ConnectTimeout');
    expect(accepted.length - before).toBe(1);
    // The next exec tries again, as it would without prepare.
    expect((await rejection(t.exec('root@127.0.0.1', 'true'))).code).toBe('ConnectTimeout');
    expect(accepted.length - before).toBe(2);
  });

  it('names the address when nothing listens on the port', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const t = transport({ hosts: [{ addr: 'root@127.0.0.1', port }] });
    const err = await rejection(t.exec('root@127.0.0.1', 'true'));
    expect(err.code).toBe('HostUnreachable');
    expect(err.message).toContain(`root@127.0.0.1:${port}`);
    expect(err.message).toContain('connection refused');
  });

  it('names the address when the server hangs up or resets before the ssh handshake', async () => {
    // TCP opens before ssh2 and the identities load: a hang-up in that window is reported like one after it.
    for (const hangUp of [(s: Socket) => s.destroy(), (s: Socket) => s.resetAndDestroy()]) {
      const rude = createServer(hangUp);
      await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
      const port = (rude.address() as { port: number }).port;
      try {
        const t = transport({ hosts: [{ addr: 'root@127.0.0.1', port }], connectTimeoutMs: 5000 });
        const err = await rejection(t.exec('root@127.0.0.1', 'true'));
        expect(['SshHandshakeFailed', 'HostUnreachable']).toContain(err.code);
        expect(err.message).toContain(`root@127.0.0.1:${port}`);
        expect(err.message).not.toContain('timed out');
      } finally {
        await new Promise((r) => rude.close(r));
      }
    }
  });

  it('lists every identity tried when the server refuses them all', async () => {
    const wrongKey = join(sshd.tempDir, 'wrong_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const missing = join(sshd.tempDir, 'missing_key');
    const agent = join(sshd.tempDir, 'no-agent.sock');
    const t = transport({ identityFiles: [wrongKey, missing], agentSocket: agent });
    const err = await rejection(t.exec(sshd.addr, 'true'));
    expect(err.code).toBe('AuthFailed');
    expect(err.message).toContain(`root@127.0.0.1:${sshd.port}`);
    expect(err.message).toContain(`${wrongKey} (rejected)`);
    expect(err.message).toContain(`${missing} (not found)`);
    expect(err.message).toContain(`ssh-agent (${agent}) (socket not found)`);
    expect(err.hint).toContain('authorized_keys');
  });
});

describe('ssh config', () => {
  it('reaches the server through a Host alias (HostName, Port, User, IdentityFile)', async () => {
    const t = transport({ hosts: [], identityFiles: [] });
    const result = await t.exec(sshd.alias, 'id -un');
    expect(result.stdout).toBe('root\n');
    expect((await t.resolve(sshd.alias)).key).toBe(`root@127.0.0.1:${sshd.port}`);
  });
});

describe('known_hosts', () => {
  it('records an unknown host (accept-new), then trusts the recorded key', async () => {
    const knownHostsPath = join(sshd.tempDir, 'accept-new_known_hosts');
    await transport({ knownHostsPath }).exec(sshd.addr, 'true');
    const recorded = await readFile(knownHostsPath, 'utf8');
    const [name, type, key] = recorded.trim().split(' ');
    expect(name).toBe(`[127.0.0.1]:${sshd.port}`);
    expect(type).toBe('ssh-ed25519');
    const fp = `SHA256:${createHash('sha256').update(Buffer.from(key!, 'base64')).digest('base64').replace(/=+$/, '')}`;
    expect(fp).toBe(sshd.hostKeyFingerprint);
    // A second client matches the line and does not append another.
    await transport({ knownHostsPath }).exec(sshd.addr, 'true');
    expect(await readFile(knownHostsPath, 'utf8')).toBe(recorded);
  });
});

describe('first contact', () => {
  it('warns once per host when it records a new host key, naming host:port, type, fingerprint and file', async () => {
    const knownHostsPath = join(sshd.tempDir, 'first-contact_known_hosts');
    const warnings: string[] = [];
    const debug: string[] = [];
    const t = transport({
      knownHostsPath,
      logger: { debug: (line) => debug.push(line), warn: (line) => warnings.push(line) },
    });
    await Promise.all([t.exec(sshd.addr, 'true'), t.exec(sshd.alias, 'true'), t.exec(sshd.addr, 'true')]);
    const expected = `[ssh] new host 127.0.0.1:${sshd.port}: added ssh-ed25519 key ${sshd.hostKeyFingerprint} to ${knownHostsPath}`;
    expect(warnings).toEqual([expected]);
    // A new connection to the same host, even one that has to record the key again
    // (the file was emptied under us), does not repeat the warning.
    await sshd.dropConnections();
    await writeFile(knownHostsPath, '');
    await t.exec(sshd.addr, 'true');
    expect((await readFile(knownHostsPath, 'utf8')).trim().split('\n')).toHaveLength(1);
    expect(warnings).toEqual([expected]);
    // A host that is already known is not announced.
    const later: string[] = [];
    await transport({ knownHostsPath, logger: { debug: () => {}, warn: (line) => later.push(line) } }).exec(
      sshd.addr,
      'true',
    );
    expect(later).toEqual([]);
  });

  it('falls back to debug when the logger has no warn', async () => {
    const knownHostsPath = join(sshd.tempDir, 'first-contact-debug_known_hosts');
    const debug: string[] = [];
    await transport({ knownHostsPath, logger: { debug: (line) => debug.push(line) } }).exec(
      sshd.addr,
      'true',
    );
    expect(debug.filter((l) => l.startsWith('[ssh] new host '))).toHaveLength(1);
  });
});

describe('StrictHostKeyChecking', () => {
  /** An ssh config with one alias per policy, all aimed at the loopback sshd. */
  async function policyConfig(): Promise<string> {
    const path = join(sshd.tempDir, 'policy_ssh_config');
    const block = (name: string, policy: string | undefined) => [
      `Host ${name}`,
      '  HostName 127.0.0.1',
      `  Port ${sshd.port}`,
      '  User root',
      `  IdentityFile ${sshd.clientKeyPath}`,
      ...(policy ? [`  StrictHostKeyChecking ${policy}`] : []),
      '',
    ];
    await writeFile(
      path,
      [
        ...block('strict', 'yes'),
        ...block('asking', 'ask'),
        ...block('lax', 'no'),
        ...block('lax-off', 'off'),
        ...block('plain', undefined),
      ].join('\n'),
    );
    return path;
  }

  async function policyTransport(name: string, logger?: SshTransportOptions['logger']) {
    const knownHostsPath = join(sshd.tempDir, `${name}-${Date.now()}_known_hosts`);
    const sshConfigPath = await policyConfig();
    return {
      knownHostsPath,
      t: transport({
        sshConfigPath,
        knownHostsPath,
        hosts: [],
        identityFiles: [],
        ...(logger ? { logger } : {}),
      }),
    };
  }

  it('yes: refuses an unknown host, naming it, its fingerprint and the known_hosts file', async () => {
    const warnings: string[] = [];
    const { t, knownHostsPath } = await policyTransport('strict', {
      debug: () => {},
      warn: (line) => warnings.push(line),
    });
    const err = await rejection(t.exec('strict', 'true'));
    expect(err.code).toBe('HostKeyUnknown');
    expect(SshError.isInstance(err)).toBe(true);
    expect(HostKeyUnknownError.isInstance(err)).toBe(true);
    const unknown = err as HostKeyUnknownError;
    expect(unknown.fingerprint).toBe(sshd.hostKeyFingerprint);
    expect(unknown.keyType).toBe('ssh-ed25519');
    expect(unknown.knownHostsName).toBe(`[127.0.0.1]:${sshd.port}`);
    expect(unknown.knownHostsFiles).toEqual([knownHostsPath]);
    expect(unknown.target).toBe(`root@127.0.0.1:${sshd.port}`);
    expect(err.message).toContain(`127.0.0.1:${sshd.port}`);
    expect(err.message).toContain(sshd.hostKeyFingerprint);
    expect(err.message).toContain(knownHostsPath);
    expect(err.message).toContain('StrictHostKeyChecking yes');
    expect(err.hint).toContain(`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${knownHostsPath}`);
    expect(err.hint).toContain('StrictHostKeyChecking accept-new');
    // Nothing was recorded, nothing announced.
    await expect(stat(knownHostsPath)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(warnings).toEqual([]);
    expect(t.connectionCount).toBe(0);
  });

  it('yes: connects to a host already in known_hosts, as the ssh-keyscan hint would add it', async () => {
    const { t, knownHostsPath } = await policyTransport('strict-known');
    const hostKey = (await readFile(`${sshd.hostKeyPath}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(knownHostsPath, `[127.0.0.1]:${sshd.port} ${hostKey}\n`);
    expect((await t.exec('strict', 'echo ok')).stdout).toBe('ok\n');
  });

  it('ask: refuses an unknown host too (stratum never prompts)', async () => {
    const { t, knownHostsPath } = await policyTransport('asking');
    const err = await rejection(t.exec('asking', 'true'));
    expect(err.code).toBe('HostKeyUnknown');
    expect(err.message).toContain('StrictHostKeyChecking ask');
    await expect(stat(knownHostsPath)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.each([
    ['lax', 'no'],
    ['lax-off', 'off'],
    ['plain', 'unset'],
  ])('%s (%s): records a new host like accept-new, with the warning', async (alias) => {
    const warnings: string[] = [];
    const { t, knownHostsPath } = await policyTransport(alias, {
      debug: () => {},
      warn: (line) => warnings.push(line),
    });
    await t.exec(alias, 'true');
    expect(await readFile(knownHostsPath, 'utf8')).toMatch(
      new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(sshd.hostKeyFingerprint);
  });

  it('no: still refuses a changed host key', async () => {
    const { t, knownHostsPath } = await policyTransport('lax-changed');
    const impostor = join(sshd.tempDir, `impostor-${Date.now()}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', impostor]);
    const impostorKey = (await readFile(`${impostor}.pub`, 'utf8')).split(' ').slice(0, 2).join(' ');
    await writeFile(knownHostsPath, `[127.0.0.1]:${sshd.port} ${impostorKey}\n`);
    const before = await readFile(knownHostsPath, 'utf8');
    const err = await rejection(t.exec('lax', 'true'));
    expect(err.code).toBe('HostKeyChanged');
    expect(await readFile(knownHostsPath, 'utf8')).toBe(before);
  });
});

describe('sshConfigPath', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratum-ssh-config-path-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** A transport with only these options (none of the loopback's), closed after the suite. */
  function bare(options: SshTransportOptions): SshTransport {
    const t = createSshTransport(options);
    transports.push(t);
    return t;
  }

  function constructionError(options: SshTransportOptions): unknown {
    try {
      bare(options);
    } catch (err) {
      return err;
    }
    return undefined;
  }

  it('fails at construction when an explicit ssh config does not exist, and writes nothing', async () => {
    const home = join(dir, 'home-missing');
    await mkdir(home);
    const path = join(dir, 'nope');
    const err = constructionError({ homeDir: home, sshConfigPath: path, agentSocket: null });
    expect(SshError.isInstance(err)).toBe(true);
    expect((err as SshError).code).toBe('SshConfigMissing');
    expect((err as SshError).message).toContain(path);
    expect((err as SshError).message).toContain('does not exist');
    expect((err as SshError).hint).toBeTruthy();
    // In particular no ~/.ssh/known_hosts appeared in that home.
    await expect(stat(join(home, '.ssh'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails at construction when the explicit ssh config is a directory', () => {
    const err = constructionError({ homeDir: dir, sshConfigPath: dir, agentSocket: null });
    expect((err as SshError).code).toBe('SshConfigMissing');
    expect((err as SshError).message).toContain(dir);
    expect((err as SshError).message).toContain('is a directory');
  });

  it('accepts /dev/null as an explicit ssh config (like ssh -F /dev/null): no config', async () => {
    const t = bare({ homeDir: dir, sshConfigPath: '/dev/null', agentSocket: null, localUser: 'me' });
    expect(await t.resolve('example.org')).toMatchObject({ user: 'me', port: 22, hostname: 'example.org' });
  });

  it('keeps a missing default ~/.ssh/config fine', async () => {
    const home = join(dir, 'home-default');
    await mkdir(home);
    const t = bare({ homeDir: home, agentSocket: null, localUser: 'me' });
    expect(await t.resolve('example.org')).toMatchObject({ user: 'me', port: 22, hostname: 'example.org' });
  });
});

describe('dropped connections', () => {
  it('reconnects on the next command after the server dropped the connection', async () => {
    const t = transport();
    await t.exec(sshd.addr, 'true');
    expect(await sshd.dropConnections()).toBeGreaterThan(0);
    const result = await t.exec(sshd.addr, 'echo again');
    expect(result.stdout).toBe('again\n');
    expect(await sshd.connectionCount()).toBe(1);
  });

  it('retries an idempotent command that was cut off, once, on a fresh connection', async () => {
    const t = transport();
    await t.exec(sshd.addr, 'true');
    const marker = join(sshd.tempDir, `runs-${Date.now()}`);
    const running = t.exec(sshd.addr, `echo run >> ${marker}; sleep 1; echo done`, { idempotent: true });
    await waitForFile(marker);
    await sshd.dropConnections();
    const result = await running;
    expect(result.stdout).toBe('done\n');
    expect((await readFile(marker, 'utf8')).trim().split('\n')).toHaveLength(2);
  });

  it('never replays a mutation: it fails saying the command may have run', async () => {
    const t = transport();
    await t.exec(sshd.addr, 'true');
    const marker = join(sshd.tempDir, `mutation-${Date.now()}`);
    const failed = rejection(t.exec(sshd.addr, `echo run >> ${marker}; sleep 1`));
    await waitForFile(marker);
    await sshd.dropConnections();
    const err = await failed;
    expect(err.code).toBe('ConnectionLost');
    expect((err as ConnectionLostError).mayHaveRun).toBe(true);
    expect(err.message).toContain('may or may not have run');
    expect((await readFile(marker, 'utf8')).trim().split('\n')).toHaveLength(1);
  });
});

describe('close()', () => {
  const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

  it('closes every connection and leaves no socket open', async () => {
    const before = sockets();
    const t = createSshTransport(sshd.transportOptions);
    await Promise.all([t.exec(sshd.addr, 'true'), t.exec(sshd.alias, 'true')]);
    expect(sockets()).toBe(before + 1);
    await t.close();
    expect(sockets()).toBe(before);
    expect(t.connectionCount).toBe(0);
    expect((await rejection(t.exec(sshd.addr, 'true'))).code).toBe('TransportClosed');
  });
});

/** The V8 collector, exposed at run time: memory samples must not count garbage. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('an IPv6 address in brackets', () => {
  it('connects to root@[::1] on the host block port, and records the key under [::1]:port', async () => {
    const port = await freePort();
    const v6 = await startLoopbackSshd({ port, extraConfig: [`ListenAddress [::1]:${port}`] });
    try {
      const t = createSshTransport({ ...v6.transportOptions, hosts: [{ addr: 'root@[::1]', port }] });
      try {
        const result = await t.exec('root@[::1]', 'echo "$SSH_CONNECTION"');
        // sshd saw the client come from ::1, to ::1 on that port.
        expect(result.stdout).toMatch(new RegExp(`^::1 \\d+ ::1 ${port}\\n$`));
        expect(await readFile(v6.knownHostsPath, 'utf8')).toContain(`[::1]:${port} ssh-ed25519 `);
      } finally {
        await t.close();
      }
    } finally {
      await v6.stop();
    }
  });
});
