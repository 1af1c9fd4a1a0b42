import {
  addSudoUserScript,
  type BastionedDroplet,
  type Droplet,
  dropletTier,
  startDropletBehindBastion,
} from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCloseThenIdle } from './__fixtures__/run-close-then-idle';
import { createSshTransport, type SshTransportOptions } from './transport';

/**
 * The pool's guarantees under sudo, on real droplets (this machine has no
 * sudo): `deploy` with passwordless sudo on the bastion (reached directly) and
 * on the droplet behind it (reached through the bastion), whose sshd allows
 * only 3 sessions per connection. Runs when CI is set or STRATUM_DROPLET_TESTS=1.
 */

const tier = await dropletTier();

/** `deploy` with root's key and passwordless sudo; `sessions` caps sshd's MaxSessions. */
function setupDeploy(sessions?: number): string {
  const cap = [
    `echo 'MaxSessions ${sessions}' > /etc/ssh/sshd_config.d/00-sessions.conf`,
    'systemctl reload ssh',
  ];
  return [addSudoUserScript('deploy'), ...(sessions === undefined ? [] : cap)].join('\n');
}

async function inside(droplet: Droplet, command: string): Promise<string> {
  const result = await droplet.exec(command);
  expect(result.code, `${droplet.name}: ${command}\n${result.stderr}`).toBe(0);
  return result.stdout;
}

/** Kills the sshd processes serving deploy's connections: the client sees its connection drop. */
async function dropDeploy(droplet: Droplet): Promise<void> {
  await inside(droplet, "pkill -KILL -f '^sshd: deploy'");
}

async function waitInside(droplet: Droplet, path: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await droplet.exec(`test -e ${path}`)).code === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${droplet.name}: ${path} never appeared`);
}

describe.skipIf(!tier.run)('sudo targets, directly and behind a bastion', { timeout: 120_000 }, () => {
  let pair: BastionedDroplet;
  /** deploy on the bastion, reached directly; deploy on the droplet behind it. */
  let direct: string;
  let behind: string;

  beforeAll(async () => {
    pair = await startDropletBehindBastion();
    await Promise.all([inside(pair.bastion, setupDeploy()), inside(pair.target, setupDeploy(3))]);
    direct = 'deploy@127.0.0.1';
    behind = `deploy@${pair.target.ip}`;
  }, 240_000);

  afterAll(async () => {
    await pair?.stop();
  });

  function options(extra: Partial<SshTransportOptions> = {}): SshTransportOptions {
    const { bastion, target } = pair;
    return {
      ...target.transportOptions,
      hosts: [
        { addr: direct, port: bastion.sshPort, sudo: true },
        { addr: behind, port: 22, jump: [`root@127.0.0.1:${bastion.sshPort}`], sudo: true },
      ],
      ...extra,
    };
  }

  it('holds the channel limit under sudo behind the bastion, learning the lower MaxSessions', async () => {
    const lines: string[] = [];
    const t = createSshTransport(options({ logger: { debug: (line) => lines.push(line) } }));
    try {
      for (const host of [direct, behind]) {
        const results = await Promise.all(
          Array.from({ length: 24 }, () => t.exec(host, 'sleep 0.2; id -u; echo "$SUDO_USER"')),
        );
        expect(results.filter((r) => r.exitCode !== 0 || r.stdout !== '0\ndeploy\n')).toEqual([]);
      }
      expect(lines.filter((l) => l.includes('allows 3 sessions per connection'))).toEqual([
        `[ssh] deploy@${pair.target.ip}:22 via root@127.0.0.1:${pair.bastion.sshPort} allows 3 sessions per connection; using that limit`,
      ]);
      // One connection per login: the bastion's two (root to forward, deploy to run), deploy's one behind.
      expect(t.connectionCount).toBe(3);
    } finally {
      await t.close();
    }
  });

  it('retries a read cut off by a dropped connection, under sudo, directly and behind the bastion', async () => {
    const t = createSshTransport(options());
    try {
      for (const [host, droplet] of [
        [direct, pair.bastion],
        [behind, pair.target],
      ] as const) {
        await t.exec(host, 'true');
        const marker = `/tmp/runs-${Date.now()}`;
        const running = t.exec(host, `echo run >> ${marker}; sleep 1; id -u`, { idempotent: true });
        await waitInside(droplet, marker);
        await dropDeploy(droplet);
        expect((await running).stdout).toBe('0\n');
        expect(await inside(droplet, `cat ${marker}`)).toBe('run\nrun\n');
      }
    } finally {
      await t.close();
    }
  });

  it('runs as the sudo_user, stdin intact, and names a sudo_user that does not exist', async () => {
    const { bastion } = pair;
    const t = createSshTransport(
      options({ hosts: [{ addr: direct, port: bastion.sshPort, sudo: true, sudoUser: 'www-data' }] }),
    );
    const missing = createSshTransport(
      options({ hosts: [{ addr: direct, port: bastion.sshPort, sudo: true, sudoUser: 'nosuchuser' }] }),
    );
    try {
      const result = await t.exec(direct, 'id -un; cat', { stdin: 'through sudo -u\n' });
      expect(result).toMatchObject({ exitCode: 0, stdout: 'www-data\nthrough sudo -u\n' });
      await expect(missing.exec(direct, 'true')).rejects.toMatchObject({
        code: 'SudoFailed',
        message: `ssh: host deploy@127.0.0.1:${bastion.sshPort} has sudo = true and sudo_user = "nosuchuser", but there is no user nosuchuser`,
      });
    } finally {
      await Promise.all([t.close(), missing.close()]);
    }
  });

  it('close() leaves nothing behind: a process that used sudo targets exits by itself', async () => {
    const outcome = await runCloseThenIdle(options(), [direct, behind]);
    expect(outcome, outcome.stderr).toMatchObject({ exitedByItself: true, code: 0 });
    expect(outcome.stdout).not.toContain('TCPSocketWrap');
  });
});
