import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runLeakyWorker } from './__fixtures__/run-leaky-worker';
import { docker } from './docker-engine';
import { type Droplet, type DropletOptions, dropletTier, startDroplet } from './droplet';
import { BUSYBOX_IMAGE, ensureBusyboxImage, ensureDropletImage } from './images';
import { pollUntil, run } from './process';

const tier = await dropletTier();

/** A fresh droplet for one test, removed when the test ends, pass or fail. */
async function freshDroplet(options?: DropletOptions): Promise<Droplet> {
  const droplet = await startDroplet(options);
  onTestFinished(() => droplet.stop());
  return droplet;
}

const APT = 'DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0';

describe.skipIf(!tier.run)('droplet', () => {
  beforeAll(async () => {
    // From nothing this runs debootstrap (about a minute).
    await ensureDropletImage();
  }, 20 * 60_000);

  it('boots systemd as PID 1 with no failed units and takes root logins by key', {
    timeout: 120_000,
  }, async () => {
    const droplet = await freshDroplet();
    console.info(`[testkit] droplet ${droplet.name} ssh-ready ${droplet.readyMs} ms after docker start`);
    expect((await droplet.exec('systemctl is-system-running')).stdout.trim()).toBe('running');
    expect((await droplet.exec('systemctl list-units --failed --no-legend --plain')).stdout).toBe('');
    expect((await droplet.exec('cat /proc/1/comm')).stdout.trim()).toBe('systemd');

    const viaSsh = await droplet.ssh('id -u; hostname; systemctl is-active ssh');
    expect(viaSsh).toMatchObject({ code: 0, stdout: `0\n${droplet.name}\nactive\n` });
    expect(droplet.addr).toBe('root@127.0.0.1');
    expect(droplet.ports[22]).toBe(droplet.sshPort);
  });

  it('is reachable with the plain OpenSSH client and its own known_hosts entry', {
    timeout: 120_000,
  }, async () => {
    const droplet = await freshDroplet();
    const args = ['-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes'];
    const ok = await run('ssh', [
      ...args,
      '-i',
      droplet.clientKeyPath,
      '-o',
      `UserKnownHostsFile=${droplet.knownHostsPath}`,
      '-p',
      String(droplet.sshPort),
      droplet.addr,
      'true',
    ]);
    expect(ok.code).toBe(0);
    // The generated ssh_config names the droplet as a Host alias.
    expect(
      (await run('ssh', ['-F', droplet.sshConfigPath, '-o', 'BatchMode=yes', droplet.name, 'hostname']))
        .stdout,
    ).toBe(`${droplet.name}\n`);
    // The known_hosts entry is this droplet's key: another droplet's key is refused.
    const other = await freshDroplet();
    const refused = await run('ssh', [
      ...args,
      '-i',
      other.clientKeyPath,
      '-o',
      `UserKnownHostsFile=${droplet.knownHostsPath}`,
      '-p',
      String(other.sshPort),
      other.addr,
      'true',
    ]);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Host key verification failed|No ED25519 host key is known/);
    expect(await readFile(droplet.knownHostsPath, 'utf8')).toBe(
      `[127.0.0.1]:${droplet.sshPort} ${droplet.hostPublicKey}\n`,
    );
  });

  it('runs apt from the Debian mirror and ufw the way the bootstrap tutorial does', {
    timeout: 300_000,
  }, async () => {
    const droplet = await freshDroplet();
    expect((await droplet.ssh('ufw status')).stdout.trim()).toBe('Status: inactive');
    await droplet.ssh(`${APT} update`, { check: true });
    // ufw comes preinstalled like on a cloud droplet; remove it so the install is real.
    await droplet.ssh(`${APT} purge -y ufw`, { check: true });
    const install = await droplet.ssh(`${APT} install -y ufw`, { check: true });
    expect(install.stdout).toMatch(/Setting up ufw/);
    await droplet.ssh('ufw allow 22/tcp', { check: true });
    await droplet.ssh('ufw --force enable', { check: true });
    const status = await droplet.ssh('ufw status');
    expect(status.stdout).toMatch(/^Status: active$/m);
    expect(status.stdout).toMatch(/^22\/tcp\s+ALLOW\s+Anywhere\s*$/m);
    // SSH still gets through the enabled firewall, on a new connection.
    expect((await droplet.ssh('echo still here')).stdout).toBe('still here\n');
  });

  it('enables and starts a systemd unit, and publishes extra ports on loopback', {
    timeout: 120_000,
  }, async () => {
    const droplet = await freshDroplet({ publish: [80] });
    const unit = [
      '[Unit]',
      'Description=stratum test web server',
      '[Service]',
      'ExecStart=/usr/bin/python3 -m http.server 80 --directory /srv',
      '[Install]',
      'WantedBy=multi-user.target',
    ].join('\n');
    await droplet.ssh(
      'cat > /etc/systemd/system/web.service && echo hello from the droplet > /srv/index.html',
      {
        input: `${unit}\n`,
        check: true,
      },
    );
    await droplet.ssh('systemctl daemon-reload && systemctl enable --now web.service', { check: true });
    expect((await droplet.ssh('systemctl is-enabled web; systemctl is-active web')).stdout).toBe(
      'enabled\nactive\n',
    );
    let body = '';
    for (let i = 0; i < 50 && body === ''; i++) {
      body = await fetch(`http://127.0.0.1:${droplet.ports[80]}/index.html`).then(
        (r) => (r.ok ? r.text() : ''),
        () => '',
      );
      if (body === '') await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toBe('hello from the droplet\n');
  });

  it('runs a docker engine installed from Debian inside it', { timeout: 300_000 }, async () => {
    const [droplet] = await Promise.all([freshDroplet(), ensureBusyboxImage()]);
    await droplet.ssh(`${APT} update && ${APT} install -y docker.io`, { check: true, timeoutMs: 280_000 });
    expect((await droplet.ssh('systemctl is-active docker')).stdout).toBe('active\n');
    // No hub to pull from: hand the inner engine the local busybox image.
    const saved = await run('sh', [
      '-c',
      `docker save ${BUSYBOX_IMAGE} | docker exec -i ${droplet.name} docker load`,
    ]);
    expect(saved.code).toBe(0);
    const inner = await droplet.ssh(`docker run --rm ${BUSYBOX_IMAGE} echo hello from the inner engine`);
    expect(inner).toMatchObject({ code: 0, stdout: 'hello from the inner engine\n' });
    // The inner engine's cgroups nest under the droplet's, not beside it on the host.
    const cgroup = await droplet.ssh(`docker run --rm ${BUSYBOX_IMAGE} cat /proc/self/cgroup`);
    expect(cgroup.stdout).toMatch(/^\d+:memory:\/docker\/[0-9a-f]{64}$/m);
    expect((await droplet.exec('systemctl list-units --failed --no-legend --plain')).stdout).toBe('');
  });

  it('can mount this machine’s docker socket when asked', { timeout: 120_000 }, async () => {
    const droplet = await freshDroplet({ mountDockerSocket: true });
    const ping = await droplet.ssh('curl -s --unix-socket /var/run/docker.sock http://localhost/_ping');
    expect(ping.stdout).toBe('OK');
  });

  it('stop() removes the container, its volumes and its keys', { timeout: 120_000 }, async () => {
    const droplet = await startDroplet();
    const volumes = (
      await docker(['inspect', '--format', '{{range .Mounts}}{{.Name}} {{end}}', droplet.name])
    ).stdout.trim();
    expect(volumes).not.toBe('');
    await droplet.stop();
    expect((await docker(['inspect', droplet.name], { check: false })).code).not.toBe(0);
    for (const volume of volumes.split(' ')) {
      expect((await docker(['volume', 'inspect', volume], { check: false })).code).not.toBe(0);
    }
    await expect(readFile(droplet.clientKeyPath)).rejects.toThrow(/ENOENT/);
    await droplet.stop();
  });

  it('is removed when vitest ends a worker that did not stop it', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'testkit-leak-'));
    try {
      const output = await runLeakyWorker(join(dir, 'leak.txt'), { LEAK_DROPLET: '1' });
      const name = /^droplet (\S+)$/m.exec(output)?.[1];
      expect(name).toMatch(/^stratum-droplet-/);
      const gone = await pollUntil(
        async () => ((await docker(['inspect', name!], { check: false })).code !== 0 ? true : undefined),
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(gone).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
