import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, run, type Service, spawnService } from './process';
import { TestkitError } from './testkit-error';

/**
 * A private OpenSSH server on 127.0.0.1 for tests: its own host key, client
 * key, authorized_keys and config in a fresh temp dir, on a free port. It never
 * touches the machine's own sshd, /etc/ssh or ~/.ssh: `transportOptions` points
 * every path a client needs into the temp dir.
 *
 * sshd runs as PID 1 of its own PID namespace (`unshare --pid --fork`): when it
 * exits, the kernel kills and reaps every session it forked, so no orphan is
 * left for this machine's init (which does not reap). `stop()` ends it and waits.
 *
 * Commands run through root's real login shell (`bash -c`), but sshd sets
 * `SHLVL=1` in the session environment: bash then counts itself nested and
 * skips the ~/.bashrc it would otherwise source for ssh sessions (here that
 * file runs `pyenv init`, ~140 ms per command). stdin, stdout, stderr and the
 * exit status pass through untouched; the environment is sshd's stock one.
 */
export interface LoopbackSshdOptions {
  /** sshd's MaxSessions (channels per connection). Default 10, as OpenSSH. */
  maxSessions?: number;
  /** Listen on this port instead of a free one (e.g. to restart with another host key). */
  port?: number;
  /** Use this ed25519 host key instead of generating one. */
  hostKeyPath?: string;
  /** Extra sshd_config lines, appended. */
  extraConfig?: readonly string[];
}

/** Options for `createSshTransport` that aim every path at the sshd's temp dir. */
export interface LoopbackTransportOptions {
  homeDir: string;
  sshConfigPath: string;
  knownHostsPath: string;
  identityFiles: string[];
  agentSocket: null;
  /** Host settings as provider-ssh takes them; `jump` for a target behind a bastion. */
  hosts: { addr: string; port: number; jump?: string[] }[];
}

export interface LoopbackSshd {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: 'root';
  /** `root@127.0.0.1`: the target string; pair it with `port` (see `transportOptions.hosts`). */
  readonly addr: 'root@127.0.0.1';
  /** A Host alias in `sshConfigPath` that resolves to this server (HostName, Port, User, IdentityFile). */
  readonly alias: string;
  readonly tempDir: string;
  /** The authorized client key (ed25519, no passphrase). */
  readonly clientKeyPath: string;
  /** Not created by the harness: clients record the host key there on first connect. */
  readonly knownHostsPath: string;
  readonly sshConfigPath: string;
  readonly hostKeyPath: string;
  /** `SHA256:...` of the server's host key, as ssh prints it. */
  readonly hostKeyFingerprint: string;
  readonly logPath: string;
  readonly transportOptions: LoopbackTransportOptions;
  /** Established TCP connections to the server's port, counted on the server side. */
  connectionCount(): Promise<number>;
  /** Kills every per-connection sshd process (the listener stays): clients see their connection drop. Returns how many. */
  dropConnections(): Promise<number>;
  /** sshd's log (LogLevel VERBOSE). */
  log(): Promise<string>;
  /** Stops sshd, waits for it, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
const ALIAS = 'stratum-loopback';

async function keygen(path: string, comment: string): Promise<void> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], { check: true });
}

async function publicKeyFingerprint(pubPath: string): Promise<string> {
  const [, base64] = (await readFile(pubPath, 'utf8')).trim().split(/\s+/);
  const digest = createHash('sha256')
    .update(Buffer.from(base64 ?? '', 'base64'))
    .digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** True once something on the port sends an ssh identification line. */
function speaksSsh(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let seen = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\n')) done(seen.startsWith('SSH-2.0-'));
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

function sshdConfig(dir: string, port: number, hostKey: string, options: LoopbackSshdOptions): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    `MaxSessions ${options.maxSessions ?? 10}`,
    // Tests open many connections in quick succession (auth failures, reconnects).
    'MaxStartups 100',
    'UseDNS no',
    'PrintMotd no',
    'LogLevel VERBOSE',
    // See the module comment: keeps bash from sourcing ~/.bashrc for every command.
    'SetEnv SHLVL=1',
    'Subsystem sftp internal-sftp',
    ...(options.extraConfig ?? []),
    '',
  ].join('\n');
}

/** Pids of every descendant of `pid`, deepest last. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parens: fields resume after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // The process exited while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** True while `/proc/<pid>` exists and is not a zombie. */
async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** Starts a loopback sshd and resolves once it completes ssh handshakes. Always `stop()` it. */
export async function startLoopbackSshd(options: LoopbackSshdOptions = {}): Promise<LoopbackSshd> {
  const tempDir = await mkdtemp(join(tmpdir(), 'stratum-sshd-'));
  try {
    // sshd's privilege separation needs this directory; creating it does not touch any sshd of the machine.
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const hostKeyPath = options.hostKeyPath ?? join(tempDir, 'ssh_host_ed25519_key');
    const clientKeyPath = join(tempDir, 'client_ed25519');
    if (!options.hostKeyPath) await keygen(hostKeyPath, 'stratum-loopback-host');
    await keygen(clientKeyPath, 'stratum-loopback-client');
    await writeFile(join(tempDir, 'authorized_keys'), await readFile(`${clientKeyPath}.pub`));
    const hostKeyFingerprint = await publicKeyFingerprint(`${hostKeyPath}.pub`);
    const logPath = join(tempDir, 'sshd.log');
    const configPath = join(tempDir, 'sshd_config');
    const knownHostsPath = join(tempDir, 'known_hosts');
    const sshConfigPath = join(tempDir, 'ssh_config');

    let service: Service | undefined;
    let port = 0;
    for (let attempt = 1; service === undefined; attempt++) {
      port = options.port ?? (await freePort());
      await writeFile(configPath, sshdConfig(tempDir, port, hostKeyPath, options));
      try {
        service = await spawnService(
          'unshare',
          // --mount-proc: sessions see the namespace's own /proc, so a pid a command
          // recorded names that process and not an unrelated one of the machine.
          [
            '--pid',
            '--fork',
            '--mount-proc',
            '--kill-child',
            '--',
            SSHD,
            '-D',
            '-E',
            logPath,
            '-f',
            configPath,
          ],
          { name: `loopback sshd on port ${port}`, ready: () => speaksSsh(port), readyTimeoutMs: 15_000 },
        );
      } catch (err) {
        // Another process took the free port between our probe and sshd's bind: try another.
        const log = await readFile(logPath, 'utf8').catch(() => '');
        if (options.port === undefined && attempt < 3 && /Address already in use/.test(log)) continue;
        throw new TestkitError('ServiceExited', `cannot start the loopback sshd on port ${port}`, {
          cause: err,
          hint: 'Check that openssh-server is installed (scripts/setup.sh) and that the port is free.',
          detail: log,
        });
      }
    }
    const running = service;
    const addr = 'root@127.0.0.1' as const;

    await writeFile(
      sshConfigPath,
      [
        `Host ${ALIAS}`,
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        '  User root',
        `  IdentityFile ${clientKeyPath}`,
        '',
      ].join('\n'),
    );

    const connectionCount = async (): Promise<number> => {
      const { stdout } = await run('ss', ['-tnH', 'state', 'established', `( sport = :${port} )`], {
        check: true,
      });
      return stdout.split('\n').filter((line) => line.trim() !== '').length;
    };
    let stopped: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      user: 'root',
      addr,
      alias: ALIAS,
      tempDir,
      clientKeyPath,
      knownHostsPath,
      sshConfigPath,
      hostKeyPath,
      hostKeyFingerprint,
      logPath,
      transportOptions: {
        homeDir: tempDir,
        sshConfigPath,
        knownHostsPath,
        identityFiles: [clientKeyPath],
        agentSocket: null,
        hosts: [{ addr, port }],
      },
      connectionCount,
      async dropConnections() {
        // unshare's child is the listening sshd (PID 1 of the namespace). Its
        // descendants named sshd serve one connection each; killing them closes
        // the TCP connection like a network failure would, while the commands
        // they started run on (orphans in the namespace, reaped by the listener).
        const [listener] = await descendants(running.pid);
        if (listener === undefined) return 0;
        const victims: number[] = [];
        for (const pid of await descendants(listener)) {
          const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
          if (comm.trim() === 'sshd') victims.push(pid);
        }
        for (const pid of victims) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
        // Wait until they are reaped, so their sockets are closed when we return.
        for (let i = 0; i < 250 && (await Promise.all(victims.map(isAlive))).some(Boolean); i++)
          await sleep(20);
        return victims.length;
      },
      log: () => readFile(logPath, 'utf8').catch(() => ''),
      stop() {
        stopped ??= (async () => {
          await running.stop();
          await rm(tempDir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (err) {
    await rm(tempDir, { recursive: true, force: true });
    throw err;
  }
}
