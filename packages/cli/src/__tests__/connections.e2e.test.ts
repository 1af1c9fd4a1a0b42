import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { startLoopbackSshd } from '@stratum/testkit';
import { describe, expect, it } from 'vitest';
import { ALIAS, createWorkspace, expectExit, hostBlock, STACK_LINE, useWorkspacePerTest } from './harness';

/**
 * One pool per run: every command a run sends to a host — the refresh, the
 * steps, the post-apply self-check — goes over one ssh connection per host,
 * counted where sshd sees it (its log, LogLevel VERBOSE).
 */

const t = useWorkspacePerTest();

const CONFIG = `${hostBlock('box')}
resource "system_dir" "cache" {
  host = host.box.addr
  path = "@HOST@/cache"
}

resource "system_file" "conf" {
  host    = host.box.addr
  path    = "@HOST@/app.conf"
  content = "listen = 8080\\n"
}

resource "ssh_file" "motd" {
  host    = host.box.addr
  path    = "@HOST@/motd"
  content = "hi\\n"
}

resource "ssh_exec" "hello" {
  host    = host.box.addr
  command = "echo hello"
}
`;

/** What sshd logged while `run` ran: the accepted TCP connections and the logins on them. */
async function sshdSees(run: () => Promise<void>): Promise<{ connections: number; logins: number }> {
  const before = (await t.sshd.log()).length;
  await run();
  const logged = (await t.sshd.log()).slice(before);
  return {
    connections:
      logged.match(/^.*Connection from 127\.0\.0\.1 port \d+ on 127\.0\.0\.1 port \d+.*$/gm)?.length ?? 0,
    logins: logged.match(/^.*Accepted publickey for root from 127\.0\.0\.1.*$/gm)?.length ?? 0,
  };
}

describe('one ssh connection per host per run', { timeout: 60_000 }, () => {
  it('apply --refresh -y: refresh, repair steps and self-check share one connection', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const first = await sshdSees(async () => expectExit(await t.ws.run(['apply', '-y']), 0));
    expect(first).toEqual({ connections: 1, logins: 1 });

    // Drift by hand, so the refreshed run has steps to do as well as reads.
    writeFileSync(t.ws.hostPath('app.conf'), 'listen = 9999\n');
    rmSync(t.ws.hostPath('cache'), { recursive: true });
    let stdout = '';
    const repair = await sshdSees(async () => {
      const result = await t.ws.run(['apply', '--refresh', '-y']);
      expectExit(result, 0);
      stdout = result.stdout;
    });
    expect(stdout).toContain('+ system_dir.cache');
    expect(stdout).toContain('~ system_file.conf');
    // The self-check ran (ssh_exec can never be read back, hence the one unreadable).
    expect(stdout).toContain('post-apply drift: 1 unreadable');
    expect(readFileSync(t.ws.hostPath('app.conf'), 'utf8')).toBe('listen = 8080\n');
    expect(repair).toEqual({ connections: 1, logins: 1 });
    // Closed when the run ended.
    expect(await t.sshd.connectionCount()).toBe(0);
  });
});

/** A TCP server that accepts connections and never says a word: an ssh handshake to it waits until cut off. */
async function silentServer(): Promise<{ port: number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Records a made-up ed25519 key for 127.0.0.1:`port` in the workspace's known_hosts: the host counts as known. */
function knowHost(port: number): void {
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const blob = Buffer.concat([field(Buffer.from('ssh-ed25519')), field(randomBytes(32))]);
  appendFileSync(
    join(t.ws.home, '.ssh', 'known_hosts'),
    `[127.0.0.1]:${port} ssh-ed25519 ${blob.toString('base64')}\n`,
  );
}

/**
 * A config on one host at `port` whose run fails once the config is loaded:
 * its state file is not JSON. Reading it comes after the kinds' prepare has
 * hashed a 2,000-file tree, long enough for a connection to be under way.
 */
function failingRun(port: number): void {
  for (let i = 0; i < 2000; i++) t.ws.write(`tree/d${i % 20}/f${i}.txt`, `file ${i}\n`);
  t.ws.write(
    'stratum.strat',
    `${hostBlock('slow', 'root@127.0.0.1', `  port   = ${port}\n`)}
resource "system_dir" "tree" {
  host       = host.slow.addr
  path       = "@HOST@/tree"
  source_dir = "tree"
}
`,
  );
  t.ws.write('.stratum/state.json', '{\n');
}

/** `plan --refresh` and `apply -y` on a {@link failingRun} config: both exit 1 on the state. */
async function runsThatReachHosts(): Promise<Array<{ stderr: string }>> {
  const runs = [];
  for (const args of [
    ['plan', '--refresh'],
    ['apply', '-y'],
  ]) {
    const run = await t.ws.run(args, { timeoutMs: 30_000 });
    expectExit(run, 1);
    expect(run.stderr).toContain('is not valid JSON');
    runs.push(run);
  }
  return runs;
}

describe('connections started while the config loads', { timeout: 60_000 }, () => {
  it('plan --refresh connects to the hosts its resources name, not to every host block', async () => {
    const idle = await silentServer();
    try {
      t.ws.write(
        'stratum.strat',
        `${hostBlock('box', ALIAS)}${hostBlock('idle', 'root@127.0.0.1', `  port   = ${idle.port}\n`)}
resource "system_file" "conf" {
  host    = host.box.addr
  path    = "@HOST@/app.conf"
  content = "listen = 8080\\n"
}
`,
      );
      expectExit(await t.ws.run(['apply', '-y']), 0);
      // Known, so only not being named by a resource keeps it from being connected to.
      knowHost(idle.port);
      const seen = await sshdSees(async () => expectExit(await t.ws.run(['plan', '--refresh']), 0));
      expect(seen).toEqual({ connections: 1, logins: 1 });
      expect(idle.accepted()).toBe(0);
    } finally {
      await idle.close();
    }
  });

  it('a load that fails once the hosts are known ends at once, closing the connection it started', async () => {
    const slow = await silentServer();
    try {
      knowHost(slow.port);
      // A handshake that is never cut off by its own timeout: only closing the runtime ends it.
      appendFileSync(join(t.ws.home, '.ssh', 'config'), '\nHost 127.0.0.1\n  ConnectTimeout 600\n');
      failingRun(slow.port);
      for (const run of await runsThatReachHosts()) expect(run.stderr).not.toMatch(STACK_LINE);
      // Each run had started its connection before the load failed.
      expect(slow.accepted()).toBe(2);
    } finally {
      await slow.close();
    }
  });

  it('a host not yet in known_hosts is first contacted by a command, so a run that stops early records no key', async () => {
    const stranger = await silentServer();
    try {
      failingRun(stranger.port);
      const knownHosts = join(t.ws.home, '.ssh', 'known_hosts');
      const before = existsSync(knownHosts) ? readFileSync(knownHosts, 'utf8') : undefined;
      for (const run of await runsThatReachHosts()) expect(run.stderr).not.toContain('[ssh]');
      expect(stranger.accepted()).toBe(0);
      expect(existsSync(knownHosts) ? readFileSync(knownHosts, 'utf8') : undefined).toBe(before);
    } finally {
      await stranger.close();
    }
  });
});

describe('a server that allows one session per connection', { timeout: 60_000 }, () => {
  it('applies a host whose steps need a plain exec beside its shell (a tree upload)', async () => {
    // MaxSessions 1: the host's shell held the only channel while the upload waited for it, forever.
    const single = await startLoopbackSshd({ maxSessions: 1 });
    const ws = await createWorkspace(single);
    try {
      ws.write('tree/a/one.txt', 'one\n');
      ws.write(
        'stratum.strat',
        `${hostBlock('box')}
resource "ssh_exec" "first" {
  host    = host.box.addr
  command = "echo first >> @HOST@/ran"
}

resource "system_file" "conf" {
  host    = host.box.addr
  path    = "@HOST@/app.conf"
  content = "listen = 8080\\n"
}

resource "system_dir" "tree" {
  host       = host.box.addr
  path       = "@HOST@/tree"
  source_dir = "tree"
}

resource "ssh_exec" "last" {
  host    = host.box.addr
  command = "echo last >> @HOST@/ran"
}
`,
      );
      const apply = await ws.run(['apply', '-y']);
      expectExit(apply, 0);
      expect(readFileSync(ws.hostPath('ran'), 'utf8')).toBe('first\nlast\n');
      expect(readFileSync(ws.hostPath('tree/a/one.txt'), 'utf8')).toBe('one\n');
      expect(readFileSync(ws.hostPath('app.conf'), 'utf8')).toBe('listen = 8080\n');
    } finally {
      ws.dispose();
      await single.stop();
    }
  });
});
