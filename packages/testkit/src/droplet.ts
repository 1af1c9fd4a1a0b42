import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, dockerTier, isCi, type TierDecision } from './docker-engine';
import { ensureDropletImage } from './images';
import { onProcessEnd, type RunResult, run, tail } from './process';
import type { LoopbackTransportOptions } from './sshd';
import { TestkitError } from './testkit-error';

/**
 * A disposable "fresh droplet": a container of the droplet image (Debian
 * bookworm, systemd as PID 1, sshd, apt, ufw installed but inactive) that a test
 * reaches over real SSH on a loopback port, as root, with a key made for it.
 */

export interface DropletOptions {
  /**
   * Container ports to publish on free 127.0.0.1 ports besides 22 (always
   * published), e.g. `[80, 443]` for a tutorial's reverse proxy. See `ports`.
   */
  publish?: readonly number[];
  /**
   * Bind-mount this machine's docker socket at /var/run/docker.sock (default
   * false). Off by default because the tutorials install docker.io inside the
   * droplet, whose own engine then owns that path.
   */
  mountDockerSocket?: boolean;
  /** How long systemd and sshd may take to come up (default 90 s). */
  readyTimeoutMs?: number;
  /** Container name (default `stratum-droplet-<random>`); also the droplet's hostname. */
  name?: string;
  /**
   * Make the droplet reachable only through `bastion`: it joins `network` alone
   * (a docker network the bastion is attached to, see `startDropletBehindBastion`),
   * publishes no port, and its firewall resets ssh connections from anywhere but
   * the bastion (this machine sits on every docker bridge, so the network alone
   * would not keep it out). `ssh()`, `sshConfigPath` and `transportOptions` then
   * go through the bastion. The bastion may still be starting (a promise): this
   * droplet boots meanwhile and waits for it only to set up ssh.
   */
  behind?: { bastion: Droplet | PromiseLike<Droplet>; network: string };
}

export interface Droplet {
  /** Container name, also its hostname and its `Host` alias in `sshConfigPath`. */
  readonly name: string;
  readonly containerId: string;
  /** The container's address on its docker network (prefer the loopback ports when it has them). */
  readonly ip: string;
  /** Where to connect: 127.0.0.1 (the published ports), or `ip` for a droplet `behind` a bastion. */
  readonly host: string;
  readonly user: 'root';
  /** `root@<host>`; the port is `sshPort`. */
  readonly addr: `root@${string}`;
  /** The port of the droplet's sshd at `host`: published on 127.0.0.1, or 22 behind a bastion. */
  readonly sshPort: number;
  /** Container port → 127.0.0.1 port, for 22 and every port in `options.publish` (none behind a bastion). */
  readonly ports: Readonly<Record<number, number>>;
  /** Private key (ed25519, no passphrase) authorized for root. */
  readonly clientKeyPath: string;
  /** known_hosts holding this droplet's host key, as `[127.0.0.1]:<sshPort>` (or `<ip>`, with the bastion's keys after it). */
  readonly knownHostsPath: string;
  /** The droplet's host public key, `ssh-ed25519 AAAA…`. */
  readonly hostPublicKey: string;
  /** An ssh_config with `Host <name>` set up (HostName, Port, User, IdentityFile, UserKnownHostsFile). */
  readonly sshConfigPath: string;
  /**
   * Options for provider-ssh's `createSshTransport` that reach this droplet with
   * its key and known_hosts only (no agent, nothing from ~/.ssh); the same shape
   * as the loopback sshd's, so a test can aim at either.
   */
  readonly transportOptions: LoopbackTransportOptions;
  /** Milliseconds from `docker start` until sshd accepted the key. */
  readonly readyMs: number;
  /** Runs `sh -c command` as root inside the droplet through `docker exec` (no SSH involved). */
  exec(command: string, options?: DropletCommandOptions): Promise<RunResult>;
  /** Runs `command` through the real OpenSSH client, as a user of the droplet would. */
  ssh(command: string, options?: DropletCommandOptions): Promise<RunResult>;
  /** OpenSSH client arguments that reach the droplet (append the command). */
  sshArgs(): string[];
  /** Removes the container and its volumes and deletes the keys. Idempotent. */
  stop(): Promise<void>;
}

export interface DropletCommandOptions {
  input?: string;
  /** Default 120 s. */
  timeoutMs?: number;
  /** Throw `CommandFailed` on a non-zero exit (default false). */
  check?: boolean;
}

/** Every container and network the kit makes carries these, so a later run can sweep up what a killed one left. */
export const LABEL = 'org.stratum.testkit';
export const OWNER_LABEL = 'org.stratum.testkit.owner-pid';

/**
 * The flags that boot systemd in a container on this kind of machine. The VM
 * refuses `--privileged` (it lacks CAP_SYS_RESOURCE), so every other capability
 * is granted instead. A private cgroup namespace plus the image's droplet-init
 * (which makes the cgroup mounts writable before exec'ing systemd) keeps
 * systemd's cgroups, and those of a docker engine installed inside, nested
 * under this container. /var/lib/docker is a fresh anonymous volume, so an
 * engine installed inside does not run overlayfs on overlayfs; `rm -v` drops it.
 */
const RUN_FLAGS = [
  '--cgroupns=private',
  '--cap-add=ALL',
  '--cap-drop=SYS_RESOURCE',
  '--security-opt=seccomp=unconfined',
  '--tmpfs=/run',
  '--tmpfs=/run/lock',
  '--stop-signal=SIGRTMIN+3',
  '--volume=/var/lib/docker',
];

const running = new Set<string>();
let endHookRegistered = false;
let staleSweep: Promise<void> | undefined;

/**
 * Starts a fresh droplet and resolves once systemd has finished booting
 * (`running` or `degraded`) and sshd accepts the droplet's client key on the
 * published loopback port. Builds the droplet image first if needed. Always
 * `stop()` it; a droplet left behind by a killed test run is removed by the next
 * `startDroplet` in any process.
 */
export async function startDroplet(options: DropletOptions = {}): Promise<Droplet> {
  const image = await ensureDropletImage();
  staleSweep ??= removeStaleDroplets();
  await staleSweep;

  const name = options.name ?? `stratum-droplet-${randomBytes(4).toString('hex')}`;
  const { behind } = options;
  if (behind && (options.publish ?? []).length > 0) {
    throw new TestkitError(
      'DropletNotReady',
      `droplet ${name}: a droplet behind a bastion publishes no port`,
      {
        hint: 'Drop `publish`, or reach those ports through the bastion.',
      },
    );
  }
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  try {
    const keys = await makeKeys(dir);
    const publish = behind ? [] : [22, ...(options.publish ?? []).filter((p) => p !== 22)];
    const createArgs = [
      'create',
      `--name=${name}`,
      `--hostname=${name}`,
      `--label=${LABEL}=droplet`,
      `--label=${OWNER_LABEL}=${process.pid}`,
      ...RUN_FLAGS,
      ...(behind ? [`--network=${behind.network}`] : []),
      ...publish.map((port) => `--publish=127.0.0.1::${port}`),
      ...(options.mountDockerSocket ? ['--volume=/var/run/docker.sock:/var/run/docker.sock'] : []),
      image,
    ];
    const containerId = (await docker(createArgs)).stdout.trim();
    trackDroplet(name);
    const stop = once(async () => {
      running.delete(name);
      await docker(['rm', '--force', '--volumes', name], { check: false });
      await rm(dir, { recursive: true, force: true });
    });
    try {
      // Keys go in before the first boot: sshd then starts with this droplet's own
      // host key and root's authorized_keys, and no key is baked into the image.
      await run(
        'bash',
        [
          '-c',
          'set -o pipefail; tar -c --owner=0 --group=0 --numeric-owner -C "$1" root/.ssh etc/ssh | docker cp - "$2":/',
          'copy-keys',
          keys.stage,
          name,
        ],
        { check: true },
      );
      const started = Date.now();
      await docker(['start', name]);
      const ports = behind ? {} : await publishedPorts(name, publish);
      const ip = await addressOn(name, behind?.network);
      const host = behind ? ip : '127.0.0.1';
      const sshPort = behind ? 22 : ports[22]!;
      await waitForBoot(name, options.readyTimeoutMs ?? 90_000, started);
      await writableNetSysctls(name);
      const bastion = behind ? await behind.bastion : undefined;
      const knownHostsPath = join(dir, 'known_hosts');
      const hostEntry = `${sshPort === 22 ? host : `[${host}]:${sshPort}`} ${keys.hostPublicKey}\n`;
      await writeFile(
        knownHostsPath,
        bastion ? hostEntry + (await readFile(bastion.knownHostsPath, 'utf8')) : hostEntry,
      );
      const sshConfigPath = join(dir, 'ssh_config');
      await writeFile(
        sshConfigPath,
        bastion
          ? sshConfig(name, host, sshPort, keys.clientKeyPath, knownHostsPath, bastion.name) +
              (await readFile(bastion.sshConfigPath, 'utf8'))
          : sshConfig(name, host, sshPort, keys.clientKeyPath, knownHostsPath),
      );
      // Through the bastion as OpenSSH's -J would, but with the bastion's own key and known_hosts.
      const proxy = bastion
        ? ['-o', `ProxyCommand=${['ssh', '-W', '%h:%p', ...bastion.sshArgs()].map(shellWord).join(' ')}`]
        : [];
      const sshArgs = () => [
        ...proxy,
        '-F',
        '/dev/null',
        '-i',
        keys.clientKeyPath,
        '-p',
        String(sshPort),
        '-o',
        `UserKnownHostsFile=${knownHostsPath}`,
        '-o',
        'GlobalKnownHostsFile=/dev/null',
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'BatchMode=yes',
        '-o',
        'ConnectTimeout=10',
        '-o',
        'LogLevel=ERROR',
        `root@${host}`,
      ];
      const ssh = (command: string, o: DropletCommandOptions = {}) =>
        run('ssh', [...sshArgs(), '--', command], {
          input: o.input,
          timeoutMs: o.timeoutMs ?? 120_000,
          check: o.check,
        });
      if (behind && bastion) await admitOnly(name, await addressOn(bastion.name, behind.network));
      await waitForSsh(name, ssh, options.readyTimeoutMs ?? 90_000, started);
      const readyMs = Date.now() - started;
      const addr = `root@${host}` as const;
      return {
        name,
        containerId,
        ip,
        host,
        user: 'root',
        addr,
        sshPort,
        ports,
        clientKeyPath: keys.clientKeyPath,
        knownHostsPath,
        hostPublicKey: keys.hostPublicKey,
        sshConfigPath,
        transportOptions: {
          homeDir: dir,
          sshConfigPath,
          knownHostsPath,
          identityFiles: [keys.clientKeyPath, ...(bastion?.transportOptions.identityFiles ?? [])],
          agentSocket: null,
          hosts: [
            bastion
              ? { addr, port: sshPort, jump: [`${bastion.addr}:${bastion.sshPort}`] }
              : { addr, port: sshPort },
          ],
        },
        readyMs,
        exec: (command, o = {}) =>
          docker(['exec', ...(o.input === undefined ? [] : ['-i']), name, 'sh', '-c', command], {
            input: o.input,
            timeoutMs: o.timeoutMs ?? 120_000,
            check: o.check ?? false,
          }),
        ssh,
        sshArgs,
        stop,
      };
    } catch (error) {
      await stop();
      throw error;
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Decides whether the droplet tier runs: always with `CI` set (and then a
 * missing engine fails loudly), locally only with `STRATUM_DROPLET_TESTS=1` and
 * a docker engine that can run. Prints why when it skips.
 */
export async function dropletTier(): Promise<TierDecision> {
  if (!isCi() && process.env.STRATUM_DROPLET_TESTS !== '1') {
    const reason = 'set STRATUM_DROPLET_TESTS=1 to run the droplet tests locally (they always run in CI)';
    console.warn(`[testkit] skipping droplet tests: ${reason}`);
    return { run: false, reason };
  }
  return dockerTier();
}

async function makeKeys(dir: string) {
  const stage = join(dir, 'stage');
  await mkdir(join(stage, 'root', '.ssh'), { recursive: true });
  await mkdir(join(stage, 'etc', 'ssh'), { recursive: true });
  const hostKey = join(stage, 'etc', 'ssh', 'ssh_host_ed25519_key');
  const clientKeyPath = join(dir, 'id_ed25519');
  const keygen = (file: string, comment: string) =>
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { check: true });
  await Promise.all([keygen(hostKey, 'droplet host key'), keygen(clientKeyPath, 'stratum testkit')]);
  const authorizedKeys = join(stage, 'root', '.ssh', 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${clientKeyPath}.pub`));
  // sshd refuses keys in group- or world-accessible places; the tar keeps these modes.
  await chmod(join(stage, 'root', '.ssh'), 0o700);
  await chmod(authorizedKeys, 0o600);
  await chmod(join(stage, 'etc', 'ssh'), 0o755);
  const [type, key] = (await readFile(`${hostKey}.pub`, 'utf8')).trim().split(/\s+/);
  return { stage, clientKeyPath, hostPublicKey: `${type} ${key}` };
}

async function publishedPorts(name: string, ports: readonly number[]): Promise<Record<number, number>> {
  const out = (await docker(['port', name])).stdout;
  const mapping: Record<number, number> = {};
  // Lines look like "22/tcp -> 127.0.0.1:49153".
  for (const match of out.matchAll(/^(\d+)\/tcp -> 127\.0\.0\.1:(\d+)$/gm)) {
    mapping[Number(match[1])] = Number(match[2]);
  }
  const missing = ports.filter((p) => mapping[p] === undefined);
  if (missing.length > 0) {
    throw new TestkitError(
      'DropletNotReady',
      `droplet ${name}: port(s) ${missing.join(', ')} not published`,
      {
        detail: out,
      },
    );
  }
  return mapping;
}

/**
 * Docker mounts /proc/sys read-only. The net.* keys belong to the droplet's
 * own network namespace, so making that subtree writable, as a VM's is,
 * changes nothing outside the droplet: a config may set
 * `net.ipv4.ip_forward` as on a real machine. kernel.* and vm.* belong to the
 * machine's kernel and stay read-only.
 */
async function writableNetSysctls(name: string): Promise<void> {
  await run(
    'docker',
    [
      'exec',
      name,
      'sh',
      '-c',
      'mount --bind /proc/sys/net /proc/sys/net && mount -o remount,bind,rw /proc/sys/net',
    ],
    { check: true },
  );
}

async function waitForBoot(name: string, timeoutMs: number, started: number): Promise<void> {
  for (;;) {
    const remaining = timeoutMs - (Date.now() - started);
    // --wait blocks until boot is over; before dbus is up it fails at once, so retry.
    const result = await run('docker', ['exec', name, 'systemctl', 'is-system-running', '--wait'], {
      timeoutMs: Math.max(remaining, 1000),
    }).catch((error: unknown) => {
      if (TestkitError.hasCode(error, 'CommandTimeout')) return undefined;
      throw error;
    });
    const state = result?.stdout.trim().split('\n').at(-1) ?? '';
    if (state === 'running' || state === 'degraded') return;
    if (state === 'maintenance' || state === 'stopping' || remaining <= 0 || !(await isRunning(name))) {
      throw await notReady(name, `systemd did not finish booting (state: ${state || 'unknown'})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForSsh(
  name: string,
  ssh: (command: string, o?: DropletCommandOptions) => Promise<RunResult>,
  timeoutMs: number,
  started: number,
): Promise<void> {
  let last: RunResult | undefined;
  while (Date.now() - started < timeoutMs) {
    last = await ssh('true', { timeoutMs: 15_000 });
    if (last.code === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw await notReady(
    name,
    `sshd did not accept the droplet's key (ssh: ${last?.stderr.trim() || 'no answer'})`,
  );
}

async function isRunning(name: string): Promise<boolean> {
  const r = await docker(['inspect', '--format', '{{.State.Running}}', name], { check: false });
  return r.stdout.trim() === 'true';
}

async function notReady(name: string, what: string): Promise<TestkitError> {
  const logs = await docker(['logs', '--tail', '40', name], { check: false });
  const journal = await docker(
    ['exec', name, 'journalctl', '-b', '--no-pager', '-n', '40', '-p', 'warning'],
    {
      check: false,
    },
  );
  return new TestkitError('DropletNotReady', `droplet ${name}: ${what}`, {
    hint: 'The container was removed. Its console output and the boot journal are below.',
    detail: tail(`${logs.stdout}${logs.stderr}\n${journal.stdout}`),
  });
}

function sshConfig(
  name: string,
  host: string,
  port: number,
  key: string,
  knownHosts: string,
  proxyJump?: string,
): string {
  return [
    `Host ${name}`,
    `  HostName ${host}`,
    `  Port ${port}`,
    '  User root',
    `  IdentityFile ${key}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${knownHosts}`,
    '  StrictHostKeyChecking yes',
    ...(proxyJump === undefined ? [] : [`  ProxyJump ${proxyJump}`]),
    '',
  ].join('\n');
}

/** The container's IPv4 address on `network` (default: its only one). */
async function addressOn(container: string, network?: string): Promise<string> {
  const format =
    network === undefined
      ? '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}'
      : `{{with index .NetworkSettings.Networks ${JSON.stringify(network)}}}{{.IPAddress}}{{end}}`;
  const ip = (await docker(['inspect', '--format', format, container])).stdout.trim();
  if (ip === '') {
    throw new TestkitError('DropletNotReady', `${container} has no address on ${network ?? 'any network'}`, {
      hint: 'Attach the bastion to the network first (`docker network connect`).',
    });
  }
  return ip;
}

/**
 * Resets ssh connections to the droplet from anywhere but `source`. A reset,
 * not a drop, so a direct attempt fails at once (ECONNREFUSED) instead of
 * waiting out a timeout.
 */
async function admitOnly(name: string, source: string): Promise<void> {
  await docker([
    'exec',
    name,
    'iptables',
    '-I',
    'INPUT',
    '-p',
    'tcp',
    '--dport',
    '22',
    '!',
    '-s',
    source,
    '-j',
    'REJECT',
    '--reject-with',
    'tcp-reset',
  ]);
}

/** `word` quoted for the shell OpenSSH runs a ProxyCommand with. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** Removes droplets, then their networks, whose owning process is gone (a test run that was killed). */
async function removeStaleDroplets(): Promise<void> {
  const containers = await staleOwned(['ps', '--all', '--filter', `label=${LABEL}=droplet`], '.Names');
  if (containers.length > 0) await docker(['rm', '--force', '--volumes', ...containers], { check: false });
  // After the containers: docker refuses to remove a network something is attached to.
  const networks = await staleOwned(['network', 'ls', '--filter', `label=${LABEL}=network`], '.Name');
  if (networks.length > 0) await docker(['network', 'rm', ...networks], { check: false });
}

/** Names listed by `docker <list>` whose owner-pid label names a process that is gone. */
async function staleOwned(list: readonly string[], nameField: string): Promise<string[]> {
  const listed = await docker([...list, '--format', `{{${nameField}}} {{.Label "${OWNER_LABEL}"}}`], {
    check: false,
  });
  return listed.stdout
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([name, pid]) => name && pid && !processAlive(Number(pid)))
    .map(([name]) => name!);
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function trackDroplet(name: string): void {
  running.add(name);
  if (endHookRegistered) return;
  endHookRegistered = true;
  onProcessEnd((reason) => {
    if (running.size === 0) return;
    const args = ['rm', '--force', '--volumes', ...running];
    if (reason === 'exit') {
      // An exit handler cannot await; spawnSync both runs and reaps `docker rm`.
      spawnSync('docker', args, { stdio: 'ignore', timeout: 30_000 });
    } else {
      // After a termination signal there is no time to wait (vitest sends SIGKILL
      // 500 ms after SIGTERM): hand the removal to a detached docker CLI, the one
      // child this kit does not wait for. The next startDroplet sweeps up anything
      // it missed.
      spawn('docker', args, { stdio: 'ignore', detached: true }).unref();
    }
  });
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let result: Promise<void> | undefined;
  return () => {
    result ??= fn();
    return result;
  };
}
