/**
 * examples/bootstrap, end to end on a fresh droplet, as its README tells it:
 * one apply takes a blank host to ufw + docker + the edge proxy — as the
 * README's non-root variant, a `deploy` user with sudo on a droplet that
 * refuses root logins (the quickstart's tests cover root). Checks the
 * host itself, then an interrupted apply, drift repair and the teardown.
 * Runs when CI is set or STRATUM_DROPLET_TESTS=1.
 */
import { addSudoUserScript, dropletTier, pollUntil, REFUSE_ROOT_LOGIN } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRun,
  doneSteps,
  driftByStep,
  planSteps,
  SLOW,
  startTutorial,
  summaryLine,
  type Tutorial,
} from './tutorial-harness';

const tier = await dropletTier();

const IMPLICIT = [
  'ssh_exec._stratum_swap_sandbox',
  'system_file._stratum_sshd_oom_sandbox',
  'ssh_exec._stratum_sshd_reload_sandbox',
];
const DECLARED = [
  'system_package.ufw',
  'system_package.docker',
  'system_package.debootstrap',
  'system_ufw_rule.allow-ssh',
  'system_ufw_rule.allow-http',
  'system_ufw_rule.allow-https',
  'system_service.docker',
  'system_service.ufw',
  'system_user.ops',
  'system_authorized_key.ops',
  'system_sysctl.ip-forward',
  'ssh_exec.ufw-enable',
  'docker_network.edge',
  'system_file.caddyfile',
  'system_file.base-image-script',
  'ssh_exec.base-image',
  'system_dir.edge-image',
  'docker_image.edge',
  'docker_container.edge',
];
const UNREADABLE = [
  'ssh_exec._stratum_swap_sandbox',
  'ssh_exec._stratum_sshd_reload_sandbox',
  'ssh_exec.ufw-enable',
  'ssh_exec.base-image',
];

describe.skipIf(!tier.run)('tutorial: bootstrap a fresh droplet (examples/bootstrap)', () => {
  let t: Tutorial;

  beforeAll(async () => {
    t = await startTutorial('bootstrap');
    // As the README's "Not root?" variant: a cloud image's login user with
    // passwordless sudo, root refused. Everything below goes through sudo.
    await t.host([addSudoUserScript('deploy'), REFUSE_ROOT_LOGIN].join('\n'));
    const shipped = t.read('stratum.strat');
    expect(shipped).toContain('addr = "root@sandbox"');
    t.write(
      'stratum.strat',
      shipped.replace('addr = "root@sandbox"', 'addr = "deploy@sandbox"\n  sudo = true'),
    );
  }, SLOW);

  afterAll(async () => {
    await t?.stop();
  });

  /** What the README promises after the apply, read from the host. */
  async function expectBootstrapped(): Promise<void> {
    for (const pkg of ['ufw', 'docker.io', 'debootstrap']) {
      expect(await t.host(`dpkg-query -W -f='\${Status}' ${pkg}`)).toBe('install ok installed');
    }
    for (const unit of ['docker', 'ufw']) {
      expect(await t.host(`systemctl is-active ${unit}; systemctl is-enabled ${unit}`)).toBe(
        'active\nenabled\n',
      );
    }
    const ufw = await t.host('ufw status');
    expect(ufw).toMatch(/^Status: active$/m);
    for (const port of ['22/tcp', '80/tcp', '443/tcp'])
      expect(ufw).toMatch(new RegExp(`^${port} +ALLOW +Anywhere`, 'm'));
    expect(await t.host('cat /etc/caddy/Caddyfile')).toBe(t.read('files/Caddyfile'));
    // The operator's account, its one key, and forwarding persisted.
    expect((await t.host('id -nG ops')).trim().split(' ').sort()).toEqual(['docker', 'ops', 'sudo']);
    expect(await t.host('getent passwd ops | cut -d: -f7')).toBe('/bin/bash\n');
    const key = /key\s*=\s*"([^"]+)"/.exec(t.read('stratum.strat').split('system_authorized_key')[1]!)![1];
    expect(await t.host('cat ~ops/.ssh/authorized_keys')).toBe(`${key}\n`);
    expect(await t.host('sysctl -n net.ipv4.ip_forward')).toBe('1\n');
    expect(await t.host('cat /etc/sysctl.d/90-stratum-net.ipv4.ip_forward.conf')).toBe(
      'net.ipv4.ip_forward = 1\n',
    );
    expect(
      await t.host('docker image inspect --format "{{.Id}}" local/debian:bookworm local/edge:1'),
    ).toMatch(/^(sha256:[0-9a-f]{64}\n){2}$/);
    expect(
      await t.host(
        "docker inspect --format '{{.State.Status}} {{range $n, $_ := .NetworkSettings.Networks}}{{$n}}{{end}}' edge",
      ),
    ).toBe('running stratum-edge\n');
    // The proxy answers on :80 through the droplet's published port: no site is routed yet.
    const answer = await t.httpUntil((a) => a.status === 404);
    expect(answer.body).toBe('stratum edge: nothing is routed for 127.0.0.1');
  }

  it('plans 22 creates: the three implicit per-host resources, then the config in order', {
    timeout: SLOW,
  }, async () => {
    const plan = await t.ok(['plan']);
    expect(planSteps(plan.stdout)).toEqual([...IMPLICIT, ...DECLARED].map((addr) => ['+', addr]));
    expect(summaryLine(plan.stdout)).toBe('22 create, 0 update, 0 delete, 0 no-op');
  });

  it('an apply killed during the docker.io install keeps exactly the finished steps; the next one does the rest', {
    timeout: SLOW,
  }, async () => {
    const child = t.spawn(['apply', '-y']);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.stdout!.resume();
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    // The step before docker.io is done; wait until apt really installs docker.io on the host.
    const installing = await pollUntil(
      async () => {
        if (!stderr.includes('[apply] + system_package.ufw done')) return undefined;
        const found = await t.droplet.exec('pgrep -f "apt-get .*install -- docker.io"');
        return found.code === 0 ? true : undefined;
      },
      { timeoutMs: 5 * 60_000, intervalMs: 100 },
    );
    expect(installing, stderr).toBe(true);
    child.kill('SIGKILL');
    await exited;

    const finished = doneSteps(stderr);
    expect(finished).toEqual([...IMPLICIT, 'system_package.ufw']);
    // The killed run left its last steps in the state journal: read state as stratum does.
    const listed = await t.ok(['state', 'list']);
    const keys = listed.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(' ')[0]);
    expect(keys.sort()).toEqual([...finished].sort());

    // apt goes on on the host after the client died; the next apply waits for its lock.
    const resumed = await t.ok(['apply', '-y']);
    expect(resumed.stderr).toMatch(/\[state\] took over a stale lock .*state\.json\.lock left by pid \d+/);
    expect(summaryLine(resumed.stdout)).toBe('18 create, 0 update, 0 delete, 4 no-op');
    const redone = doneSteps(resumed.stderr);
    expect(redone).toEqual(DECLARED.filter((addr) => addr !== 'system_package.ufw'));
    expect(resumed.stdout).toMatch(/^State saved to \.stratum\/state\.json$/m);
    expect(resumed.stdout).toMatch(
      /^post-apply drift: 4 unreadable — run 'stratum plan --refresh' to see details$/m,
    );
    expect(t.stateKeys('.stratum/state.json')).toEqual([...IMPLICIT, ...DECLARED].sort());
  });

  it('leaves the host with ufw, docker and the edge proxy answering on :80', { timeout: SLOW }, async () => {
    await expectBootstrapped();
    // The swap step ran, and in a container it says it skipped.
    const state = t.readJson<{ resources: Record<string, { attrs: { stdout: string } }> }>(
      '.stratum/state.json',
    );
    expect(state.resources['ssh_exec._stratum_swap_sandbox']!.attrs.stdout).toBe(
      'swap: skipped, running in a container (docker)\n',
    );
    expect(await t.host('cat /etc/systemd/system/ssh.service.d/oom.conf')).toBe(
      '[Service]\nOOMScoreAdjust=-1000\n',
    );
  });

  it('a second apply has nothing to do, and a refreshed plan finds only the ssh_exec steps unreadable', {
    timeout: SLOW,
  }, async () => {
    const again = await t.ok(['apply', '-y']);
    expect(summaryLine(again.stdout)).toBe('0 create, 0 update, 0 delete, 22 no-op');
    expect(again.stdout).toMatch(/^Nothing to do\.$/m);
    expect(again.stderr).not.toMatch(/^\[apply\]/m);

    const refreshed = await t.ok(['plan', '--refresh']);
    expect(summaryLine(refreshed.stdout)).toBe('0 create, 0 update, 0 delete, 22 no-op');
    expect(refreshed.stdout).toMatch(/^drift: 4 unreadable$/m);
    const notes = driftByStep(refreshed.stdout);
    expect([...notes.keys()].sort()).toEqual([...UNREADABLE].sort());
    for (const addr of UNREADABLE) {
      expect(notes.get(addr)).toEqual(['? unreadable: ssh_exec has no readable identity on the host']);
    }
  });

  it('drift made by hand is reported by plan --refresh and repaired by apply --refresh', {
    timeout: SLOW,
  }, async () => {
    await t.host(
      [
        'docker rm -f edge',
        'echo "# edited by hand" >> /etc/caddy/Caddyfile',
        'DEBIAN_FRONTEND=noninteractive apt-get remove -y debootstrap',
        'systemctl stop ufw',
        // The new kinds read back too: a group taken away, forwarding switched off.
        'gpasswd -d ops docker >/dev/null',
        'sysctl -w net.ipv4.ip_forward=0 >/dev/null',
      ].join(' && '),
    );
    expect(await t.host('ufw status')).toMatch(/^Status: inactive$/m);

    const refreshed = await t.ok(['plan', '--refresh']);
    const notes = driftByStep(refreshed.stdout);
    expect(notes.get('docker_container.edge')).toEqual([
      '! DRIFT: resource missing on host (state says exists)',
    ]);
    expect(notes.get('system_file.caddyfile')?.[0]).toMatch(
      /^! DRIFT: sha256: state="[0-9a-f]{64}" observed="[0-9a-f]{64}"$/,
    );
    expect(notes.get('system_package.debootstrap')).toEqual([
      '! DRIFT: state: state="present" observed="absent"',
    ]);
    expect(notes.get('system_service.ufw')).toEqual(['! DRIFT: state: state="started" observed="stopped"']);
    expect(notes.get('system_user.ops')?.[0]).toMatch(/^! DRIFT: groups: /);
    expect(notes.get('system_sysctl.ip-forward')).toEqual(['! DRIFT: value: state="1" observed="0"']);
    expect(refreshed.stdout).toMatch(/^drift: 5 differ, 1 missing, 4 unreadable$/m);
    // Drift alone changes no plan: a plain apply goes by the state file.
    expect((await t.ok(['apply', '-y'])).stdout).toMatch(/^Nothing to do\.$/m);

    const repaired = await t.ok(['apply', '-y', '--refresh']);
    expect(summaryLine(repaired.stdout)).toBe('1 create, 5 update, 0 delete, 16 no-op');
    expect(doneSteps(repaired.stderr)).toEqual([
      'system_package.debootstrap',
      'system_service.ufw',
      'system_user.ops',
      'system_sysctl.ip-forward',
      'system_file.caddyfile',
      'docker_container.edge',
    ]);
    expect(repaired.stdout).toMatch(/^post-apply drift: 4 unreadable/m);
    await expectBootstrapped();
    const clean = await t.ok(['plan', '--refresh']);
    expect(clean.stdout).toMatch(/^drift: 4 unreadable$/m);
  });

  it('emptied down to the host block, the config tears everything down in dependency order', {
    timeout: SLOW,
  }, async () => {
    const hostBlock = t.read('stratum.strat').match(/^host "sandbox" \{\n[^}]*\}\n/m)?.[0];
    expect(hostBlock).toBeDefined();
    t.write('stratum.strat', hostBlock!);

    const refused = await t.run(['apply', '-y']);
    expect(refused.code, describeRun(refused)).toBe(1);
    expect(refused.stderr).toMatch(
      /^Error: refusing to apply: plan would delete 19 resources not in config:$/m,
    );

    const teardown = await t.ok(['apply', '-y', '--allow-destroy']);
    const order = doneSteps(teardown.stderr);
    expect([...order].sort()).toEqual([...DECLARED].sort());
    const before = (a: string, b: string) =>
      expect(order.indexOf(a), `${a} before ${b}: ${order.join(', ')}`).toBeLessThan(order.indexOf(b));
    // The firewall goes off before its rules (the ssh rule last of all would lock us out otherwise) …
    for (const rule of ['allow-ssh', 'allow-http', 'allow-https'])
      before('ssh_exec.ufw-enable', `system_ufw_rule.${rule}`);
    before('system_service.ufw', 'system_package.ufw');
    // … and every docker object before the engine that holds it.
    before('docker_container.edge', 'docker_network.edge');
    before('docker_container.edge', 'docker_image.edge');
    before('docker_image.edge', 'ssh_exec.base-image');
    before('ssh_exec.base-image', 'system_service.docker');
    before('docker_network.edge', 'system_service.docker');
    before('system_service.docker', 'system_package.docker');

    // What stays is the host block's own: the three implicit resources.
    expect((await t.ok(['state', 'list'])).stdout).toBe(
      [...IMPLICIT]
        .sort()
        .map((addr) => `${addr} [${addr.split('_')[0]}]\n`)
        .join(''),
    );
    for (const pkg of ['ufw', 'docker.io', 'debootstrap']) {
      expect(
        await t.hostCode(`dpkg-query -W -f='\${Status}' ${pkg} | grep -qx 'install ok installed'`),
      ).not.toBe(0);
    }
    expect(await t.hostCode('test -e /etc/caddy/Caddyfile')).not.toBe(0);
    expect(await t.hostCode('test -e /opt/stratum/images/edge')).not.toBe(0);
    await expect(t.http()).rejects.toThrow();

    // Dropping the host's tuning too (`tuning = false`) empties the state completely.
    t.write('stratum.strat', hostBlock!.replace('}', '  tuning = false\n}'));
    await t.ok(['apply', '-y', '--allow-destroy']);
    expect((await t.ok(['state', 'list'])).stdout).toBe('(empty state)\n');
    expect(await t.hostCode('test -e /etc/systemd/system/ssh.service.d/oom.conf')).not.toBe(0);
  });
});
