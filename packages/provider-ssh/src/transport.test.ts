import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StratumError } from '@stratum/core';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConnectionLostError } from './errors';
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

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (
      await readFile(path).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${path} never appeared`);
}
