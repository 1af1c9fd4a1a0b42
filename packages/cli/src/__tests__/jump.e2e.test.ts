import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, useWorkspacePerTest } from './harness';

/**
 * plan, apply and refresh through a bastion: the workspace's sshd is the
 * target, a second sshd (own host key, own client key) the bastion, and the
 * target is reached by a channel of the bastion's connection — from ssh config
 * `ProxyJump`, or from the host block's `jump`. Killing the bastion's
 * connections mid-apply fails the running step; state holds exactly the steps
 * that finished.
 */

const t = useWorkspacePerTest();
let bastion: LoopbackSshd;

beforeAll(async () => {
  bastion = await startLoopbackSshd();
});

afterAll(async () => {
  await bastion?.stop();
});

/** ~/.ssh/config with `target` (the sshd, behind `bastion` when `proxyJump`) and `bastion`. */
function writeSshConfig(proxyJump: boolean): void {
  const knownHosts = join(t.ws.home, '.ssh', 'known_hosts');
  writeFileSync(
    join(t.ws.home, '.ssh', 'config'),
    [
      'Host target',
      '  HostName 127.0.0.1',
      `  Port ${t.sshd.port}`,
      `  IdentityFile ${t.sshd.clientKeyPath}`,
      `  UserKnownHostsFile ${knownHosts}`,
      ...(proxyJump ? ['  ProxyJump root@bastion'] : []),
      'Host bastion',
      '  HostName 127.0.0.1',
      `  Port ${bastion.port}`,
      `  IdentityFile ${bastion.clientKeyPath}`,
      `  UserKnownHostsFile ${knownHosts}`,
      '',
    ].join('\n'),
  );
}

const STEPS = `
resource "ssh_file" "first" {
  host    = host.t.addr
  path    = "@HOST@/first"
  content = "1\\n"
}

resource "ssh_exec" "slow" {
  host       = host.t.addr
  command    = "sleep 4 && touch @HOST@/slow"
  depends_on = ["ssh_file.first"]
}

resource "ssh_file" "last" {
  host       = host.t.addr
  path       = "@HOST@/last"
  content    = "3\\n"
  depends_on = ["ssh_exec.slow"]
}
`;

describe('a host behind a jump host', { timeout: 90_000 }, () => {
  it('ProxyJump: apply, then a refresh through the bastion finds no drift', async () => {
    writeSshConfig(true);
    t.ws.write(
      'stratum.strat',
      `host "t" {\n  addr   = "root@target"\n  tuning = false\n}\n${STEPS.replace('sleep 4 && ', '')}`,
    );
    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 0);
    // First contact with each hop is announced, the bastion first.
    expect(apply.stderr).toMatch(/\[ssh\] new host 127\.0\.0\.1:\d+: added ssh-ed25519 key/);
    expect(readFileSync(t.ws.hostPath('last'), 'utf8')).toBe('3\n');
    const refreshed = await t.ws.run(['plan', '--refresh']);
    expectExit(refreshed, 0);
    expect(refreshed.stdout).toMatch(/^0 create, 0 update, 0 delete, 3 no-op$/m);
    expect(refreshed.stdout).not.toContain('DRIFT');
  });

  it('jump on the host block; the bastion dropped mid-apply fails that step, and state keeps what finished', async () => {
    writeSshConfig(false);
    t.ws.write(
      'stratum.strat',
      `host "t" {\n  addr   = "root@target"\n  jump   = "root@bastion"\n  tuning = false\n}\n${STEPS}`,
    );
    const apply = t.ws.run(['apply', '-y']);
    // Wait until the slow step runs on the target, then cut the bastion's connections.
    for (let i = 0; i < 100 && (await t.sshd.connectionCount()) === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await bastion.dropConnections()).toBeGreaterThan(0);
    const failed = await apply;
    expectExit(failed, 1);
    expect(failed.stderr).toMatch(
      /apply failed at ssh_exec\.slow: .*via root@127\.0\.0\.1:\d+ dropped while/,
    );
    const resources = Object.keys(t.ws.readJson<{ resources: object }>('.stratum/state.json').resources);
    expect(resources).toEqual(['ssh_file.first']);

    // The next run goes through a new bastion connection and finishes the rest.
    const again = await t.ws.run(['apply', '-y']);
    expectExit(again, 0);
    expect(readFileSync(t.ws.hostPath('last'), 'utf8')).toBe('3\n');
  });
});
