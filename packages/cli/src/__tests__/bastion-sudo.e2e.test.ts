/**
 * A droplet reachable only through a bastion, logged into as `deploy` with
 * passwordless sudo (root login refused): the target sits alone on an internal
 * docker network with no published port and resets ssh from anywhere but the
 * bastion, a second droplet whose ssh is published on loopback. stratum reaches
 * it by `jump` through the bastion and runs everything under `sudo -n`.
 * Plan, apply and refresh go through both; a changed bastion key is refused
 * naming the bastion; the bastion's sshd stopped mid-apply fails the running
 * step, and state holds exactly the steps that finished. Runs when CI is set
 * or STRATUM_DROPLET_TESTS=1.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addSudoUserScript,
  type BastionedDroplet,
  dropletTier,
  pollUntil,
  REFUSE_ROOT_LOGIN,
  startDropletBehindBastion,
  tcpAccepts,
} from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, doneSteps, SLOW, Tutorial } from './tutorials/tutorial-harness';

const tier = await dropletTier();

/** `deploy` gets root's key and passwordless sudo; root may no longer log in. */
const SETUP_DEPLOY = `${addSudoUserScript('deploy')}\n${REFUSE_ROOT_LOGIN}`;

const HOST = `host "inner" {
  addr = "deploy@inner"
  jump = "root@bastion"
  sudo = true
}

secret "token" {
  from_env = "BEHIND_TOKEN"
}

resource "system_dir" "app" {
  host     = host.inner.addr
  path     = "/srv/behind"
  dir_mode = "0750"
  owner    = "deploy"
  group    = "deploy"
}

resource "system_file" "page" {
  host       = host.inner.addr
  path       = "/srv/behind/index.html"
  content    = "behind the bastion\\n"
  owner      = "deploy"
  depends_on = ["system_dir.app"]
}

resource "system_secret_file" "token" {
  host    = host.inner.addr
  path    = "/etc/behind-token"
  content = secret.token.value
}
`;

/** Steps after the first apply: a slow one to cut the bastion under, and one after it. */
const MORE = `
resource "ssh_exec" "slow" {
  host       = host.inner.addr
  command    = "touch /srv/behind/slow-started && sleep 5 && touch /srv/behind/slow-done"
  depends_on = ["system_file.page"]
}

resource "system_file" "last" {
  host       = host.inner.addr
  path       = "/srv/behind/last"
  content    = "3\\n"
  depends_on = ["ssh_exec.slow"]
}
`;

const TOKEN = 'behind-bastion-token-5d1f';

describe.skipIf(!tier.run)('a droplet behind a bastion, as deploy with sudo', () => {
  let pair: BastionedDroplet;
  let t: Tutorial;
  let knownHosts: string;

  beforeAll(async () => {
    pair = await startDropletBehindBastion();
    const root = await mkdtemp(join(tmpdir(), 'stratum-bastion-'));
    mkdirSync(join(root, 'home'), { mode: 0o700 });
    t = new Tutorial('bastion', root, pair.target);
    t.env.BEHIND_TOKEN = TOKEN;
    knownHosts = join(t.home, 'known_hosts');
    writeFileSync(
      t.sshConfig,
      [
        'Host bastion',
        '  HostName 127.0.0.1',
        `  Port ${pair.bastion.sshPort}`,
        `  IdentityFile ${pair.bastion.clientKeyPath}`,
        `  UserKnownHostsFile ${knownHosts}`,
        'Host inner inner-www',
        `  HostName ${pair.target.ip}`,
        `  IdentityFile ${pair.target.clientKeyPath}`,
        `  UserKnownHostsFile ${knownHosts}`,
        '',
      ].join('\n'),
    );
    await t.host(SETUP_DEPLOY);
    t.write('stratum.strat', HOST);
  }, SLOW);

  afterAll(async () => {
    await pair?.stop();
    if (t) rmSync(t.root, { recursive: true, force: true });
  });

  it('cannot be reached from here directly: only the bastion gets through', async () => {
    expect(await tcpAccepts(22, pair.target.ip)).toBe(false);
    expect(await t.hostCode('true')).toBe(0);
  });

  it('refuses a bastion whose host key changed, naming the bastion, before any step', {
    timeout: SLOW,
  }, async () => {
    // The bastion's known_hosts line carries the target's key: what a swapped bastion would present.
    writeFileSync(knownHosts, `[127.0.0.1]:${pair.bastion.sshPort} ${pair.target.hostPublicKey}\n`);
    try {
      const refused = await t.run(['apply', '-y']);
      expect(refused.code, describeRun(refused)).toBe(1);
      expect(refused.stderr).toContain(`the host key of [127.0.0.1]:${pair.bastion.sshPort} has changed`);
      expect(doneSteps(refused.stderr)).toEqual([]);
      expect(t.exists('.stratum/state.json')).toBe(false);
      expect(await t.hostCode('test -e /srv/behind')).not.toBe(0);
    } finally {
      rmSync(knownHosts, { force: true });
    }
  });

  it('applies through the bastion under sudo, owned as the config says; plan and refresh are clean', {
    timeout: SLOW,
  }, async () => {
    const applied = await t.ok(['apply', '-y']);
    // First contact with each hop is recorded and announced: the bastion, then the target.
    expect(applied.stderr).toContain(`[ssh] new host 127.0.0.1:${pair.bastion.sshPort}: added ssh-ed25519`);
    expect(applied.stderr).toContain(`[ssh] new host ${pair.target.ip}: added ssh-ed25519`);
    expect(doneSteps(applied.stderr)).toEqual(
      expect.arrayContaining(['system_dir.app', 'system_file.page', 'system_secret_file.token']),
    );
    expect(await t.host("stat -c '%U:%G %a' /srv/behind /srv/behind/index.html /etc/behind-token")).toBe(
      'deploy:deploy 750\ndeploy:root 644\nroot:root 400\n',
    );
    expect(await t.host('cat /etc/behind-token')).toBe(TOKEN);

    await t.expectCleanReplan();
    t.expectNeverWritten([TOKEN]);
  });

  it('the bastion stopped mid-apply fails the running step clearly; state holds exactly what finished', {
    timeout: SLOW,
  }, async () => {
    t.write('stratum.strat', HOST + MORE);
    const before = t.stateKeys('.stratum/state.json');
    const run = t.run(['apply', '-y']);
    const started = await pollUntil(
      async () => ((await t.hostCode('test -e /srv/behind/slow-started')) === 0 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(started, 'the slow step never started').toBe(true);
    // sshd's listener and every connection it forked: the bastion is gone for ssh.
    await pair.bastion.exec('systemctl stop ssh.socket ssh.service 2>/dev/null; pkill -KILL sshd; true');
    const failed = await run;
    expect(failed.code, describeRun(failed)).toBe(1);
    expect(failed.stderr).toMatch(
      new RegExp(
        `apply failed at ssh_exec\\.slow: .*via root@127\\.0\\.0\\.1:${pair.bastion.sshPort} dropped`,
      ),
    );
    const finished = doneSteps(failed.stderr);
    expect(finished).not.toContain('ssh_exec.slow');
    expect(t.stateKeys('.stratum/state.json')).toEqual([...new Set([...before, ...finished])].sort());
    expect(t.stateKeys('.stratum/state.json')).not.toContain('system_file.last');

    // With the bastion down, the next run names it and applies nothing. (docker's port proxy still
    // accepts on the published port: the bastion resets or closes rather than refuses.)
    const down = await t.run(['apply', '-y']);
    expect(down.code, describeRun(down)).toBe(1);
    expect(down.stderr).toMatch(
      new RegExp(`apply failed at ssh_exec\\.slow: ssh: .*root@127\\.0\\.0\\.1:${pair.bastion.sshPort}\\b`),
    );
    expect(down.stderr).toContain('No step was applied; .stratum/state.json is unchanged.');
    expect(doneSteps(down.stderr)).toEqual([]);

    // Back up: the rest goes through a new bastion connection.
    await pair.bastion.exec('systemctl start ssh', { check: true });
    const again = await t.ok(['apply', '-y']);
    expect(doneSteps(again.stderr)).toEqual(['ssh_exec.slow', 'system_file.last']);
    expect(await t.host('cat /srv/behind/last')).toBe('3\n');
    await t.expectCleanReplan();
  });

  it('sudo_user: commands on that host run as that user, through the same bastion', {
    timeout: SLOW,
  }, async () => {
    // Its own alias: one addr, one way to connect. No tuning: www-data may not manage swap or sshd.
    t.write(
      'stratum.strat',
      `${HOST + MORE}
host "inner_www" {
  addr      = "deploy@inner-www"
  jump      = "root@bastion"
  sudo      = true
  sudo_user = "www-data"
  tuning    = false
}

resource "ssh_exec" "whoami" {
  host    = host.inner_www.addr
  command = "id -un > /tmp/behind-whoami"
}
`,
    );
    const applied = await t.ok(['apply', '-y']);
    expect(doneSteps(applied.stderr)).toEqual(['ssh_exec.whoami']);
    expect(await t.host("stat -c '%U' /tmp/behind-whoami; cat /tmp/behind-whoami")).toBe(
      'www-data\nwww-data\n',
    );
  });
});
