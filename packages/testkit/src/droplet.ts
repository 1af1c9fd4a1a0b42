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
}

export interface Droplet {
  /** Container name, also its hostname and its `Host` alias in `sshConfigPath`. */
  readonly name: string;
  readonly containerId: string;
  /** The container's address on the docker bridge (this machine can reach it; prefer the loopback ports). */
  readonly ip: string;
  /** Where to connect: always 127.0.0.1 (the published ports). */
  readonly host: '127.0.0.1';
  readonly user: 'root';
  /** `root@127.0.0.1`; the port is `sshPort`. */
  readonly addr: 'root@127.0.0.1';
  /** The 127.0.0.1 port published for the droplet's sshd. */
  readonly sshPort: number;
  /** Container port → 127.0.0.1 port, for 22 and every port in `options.publish`. */
  readonly ports: Readonly<Record<number, number>>;
  /** Private key (ed25519, no passphrase) authorized for root. */
  readonly clientKeyPath: string;
  /** known_hosts holding exactly this droplet's host key, as `[127.0.0.1]:<sshPort>`. */
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

const LABEL = 'org.stratum.testkit';
const OWNER_LABEL = 'org.stratum.testkit.owner-pid';

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
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  try {
    const keys = await makeKeys(dir);
    const publish = [22, ...(options.publish ?? []).filter((p) => p !== 22)];
    const createArgs = [
      'create',
      `--name=${name}`,
      `--hostname=${name}`,
      `--label=${LABEL}=droplet`,
      `--label=${OWNER_LABEL}=${process.pid}`,
      ...RUN_FLAGS,
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
      const ports = await publishedPorts(name, publish);
      const sshPort = ports[22]!;
      const knownHostsPath = join(dir, 'known_hosts');
      await writeFile(knownHostsPath, `[127.0.0.1]:${sshPort} ${keys.hostPublicKey}\n`);
      const sshConfigPath = join(dir, 'ssh_config');
      await writeFile(sshConfigPath, sshConfig(name, sshPort, keys.clientKeyPath, knownHostsPath));
      const sshArgs = () => [
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
        'root@127.0.0.1',
      ];
      const ssh = (command: string, o: DropletCommandOptions = {}) =>
        run('ssh', [...sshArgs(), '--', command], {
          input: o.input,
          timeoutMs: o.timeoutMs ?? 120_000,
          check: o.check,
        });
      await waitForBoot(name, options.readyTimeoutMs ?? 90_000, started);
      await waitForSsh(name, ssh, options.readyTimeoutMs ?? 90_000, started);
      const readyMs = Date.now() - started;
      const ip = (
        await docker([
          'inspect',
          '--format',
          '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
          name,
        ])
      ).stdout.trim();
      return {
        name,
        containerId,
        ip,
        host: '127.0.0.1',
        user: 'root',
        addr: 'root@127.0.0.1',
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
          identityFiles: [keys.clientKeyPath],
          agentSocket: null,
          hosts: [{ addr: 'root@127.0.0.1', port: sshPort }],
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

function sshConfig(name: string, port: number, key: string, knownHosts: string): string {
  return [
    `Host ${name}`,
    '  HostName 127.0.0.1',
    `  Port ${port}`,
    '  User root',
    `  IdentityFile ${key}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${knownHosts}`,
    '  StrictHostKeyChecking yes',
    '',
  ].join('\n');
}

/** Removes droplets whose owning process is gone (a test run that was killed). */
async function removeStaleDroplets(): Promise<void> {
  const listed = await docker(
    [
      'ps',
      '--all',
      '--filter',
      `label=${LABEL}=droplet`,
      '--format',
      `{{.Names}} {{.Label "${OWNER_LABEL}"}}`,
    ],
    { check: false },
  );
  const stale = listed.stdout
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([name, pid]) => name && pid && !processAlive(Number(pid)))
    .map(([name]) => name!);
  if (stale.length > 0) await docker(['rm', '--force', '--volumes', ...stale], { check: false });
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
