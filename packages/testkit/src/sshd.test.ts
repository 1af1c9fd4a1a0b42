import { access, readdir, readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoopbackSshd, startLoopbackSshd } from './sshd';

/** Opens a raw TCP connection and resolves with the server's identification line. */
function banner(port: number): Promise<{ socket: Socket; line: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let seen = '';
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\n')) resolve({ socket, line: seen.split('\r\n')[0]! });
    });
    socket.once('error', reject);
  });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('startLoopbackSshd', () => {
  let sshd: LoopbackSshd;
  beforeAll(async () => {
    sshd = await startLoopbackSshd({ maxSessions: 4 });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('serves ssh on a loopback port with its own keys and config', async () => {
    const { socket, line } = await banner(sshd.port);
    socket.destroy();
    expect(line).toMatch(/^SSH-2\.0-OpenSSH/);
    expect(sshd.addr).toBe('root@127.0.0.1');
    expect(sshd.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(await exists(sshd.clientKeyPath)).toBe(true);
    expect(await exists(sshd.knownHostsPath)).toBe(false);
    const config = await readFile(`${sshd.tempDir}/sshd_config`, 'utf8');
    expect(config).toContain('MaxSessions 4');
    expect(config).toContain('ListenAddress 127.0.0.1');
    expect(await readFile(sshd.sshConfigPath, 'utf8')).toContain(`Port ${sshd.port}`);
    expect(sshd.transportOptions.hosts).toEqual([{ addr: 'root@127.0.0.1', port: sshd.port }]);
  });

  it('counts established connections on the server side, and drops them on demand', async () => {
    expect(await sshd.connectionCount()).toBe(0);
    const { socket } = await banner(sshd.port);
    expect(await sshd.connectionCount()).toBe(1);
    const closed = new Promise((r) => socket.once('close', r));
    expect(await sshd.dropConnections()).toBeGreaterThanOrEqual(1);
    await closed;
    expect(await sshd.connectionCount()).toBe(0);
  });

  it('stops: the port closes, no process is left, the temp dir is gone', async () => {
    const other = await startLoopbackSshd();
    expect(await findProcesses(other.tempDir)).not.toEqual([]);
    await other.stop();
    await expect(banner(other.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(await exists(other.tempDir)).toBe(false);
    expect(await findProcesses(other.tempDir)).toEqual([]);
  });
});

/** Pids whose command line mentions `needle` (sshd's mentions its config in the temp dir). */
async function findProcesses(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(needle)) found.push(Number(entry));
  }
  return found;
}
