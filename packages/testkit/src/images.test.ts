import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docker, dockerTier } from './docker-engine';
import { dropletTier } from './droplet';
import { BUSYBOX_IMAGE, dropletImageTag, ensureBusyboxImage, ensureDropletImage } from './images';

const dockerTests = await dockerTier();
const dropletTests = await dropletTier();

describe.skipIf(!dockerTests.run)('busybox image', () => {
  it('is built locally and runs echo', async () => {
    expect(await ensureBusyboxImage()).toBe(BUSYBOX_IMAGE);
    const result = await docker(['run', '--rm', BUSYBOX_IMAGE, 'echo', 'hello from busybox']);
    expect(result.stdout).toBe('hello from busybox\n');
  });

  it('has the applets tests rely on where a Linux system keeps them', async () => {
    await ensureBusyboxImage();
    const paths = ['/bin/sh', '/bin/sleep', '/usr/sbin/httpd', '/usr/bin/env', '/usr/bin/wget'];
    const script = `for p in ${paths.join(' ')}; do readlink "$p"; done`;
    const result = await docker(['run', '--rm', BUSYBOX_IMAGE, 'sh', '-c', script]);
    expect(result.stdout.trim().split('\n')).toEqual(paths.map(() => '/bin/busybox'));
  });

  it('serves files with httpd', async () => {
    await ensureBusyboxImage();
    const name = `testkit-httpd-${process.pid}`;
    await docker([
      'run',
      '-d',
      '--name',
      name,
      '-p',
      '127.0.0.1::80',
      BUSYBOX_IMAGE,
      'sh',
      '-c',
      'echo served > /var/www/index.html && exec httpd -f -p 80 -h /var/www',
    ]);
    try {
      const port = (await docker(['port', name, '80'])).stdout.trim().split(':').at(-1);
      let body = '';
      for (let i = 0; i < 50 && body === ''; i++) {
        body = await fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.text(),
          () => '',
        );
        if (body === '') await new Promise((r) => setTimeout(r, 100));
      }
      expect(body).toBe('served\n');
    } finally {
      await docker(['rm', '--force', name], { check: false });
    }
  });

  it('works as a base image for docker build', async () => {
    await ensureBusyboxImage();
    const dir = await mkdtemp(join(tmpdir(), 'testkit-build-'));
    const tag = `stratum-test/built-on-busybox:${process.pid}`;
    try {
      await writeFile(
        join(dir, 'Dockerfile'),
        `FROM ${BUSYBOX_IMAGE}\nRUN echo built > /built.txt\nCMD ["cat", "/built.txt"]\n`,
      );
      await docker(['build', '--quiet', '--tag', tag, dir], { env: { DOCKER_BUILDKIT: '0' } });
      expect((await docker(['run', '--rm', tag])).stdout).toBe('built\n');
    } finally {
      await docker(['image', 'rm', '--force', tag], { check: false });
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!dropletTests.run)('droplet image', () => {
  it('is tagged with the hash of its build script and boots droplet-init', {
    timeout: 20 * 60_000,
  }, async () => {
    const tag = await ensureDropletImage();
    expect(tag).toBe(await dropletImageTag());
    expect(tag).toMatch(/^stratum-test\/droplet:[0-9a-f]{12}$/);
    const inspect = await docker(['image', 'inspect', '--format', '{{json .Config.Cmd}} {{.Size}}', tag]);
    const [cmd, size] = inspect.stdout.trim().split(' ');
    expect(JSON.parse(cmd!)).toEqual(['/usr/local/sbin/droplet-init']);
    console.info(`[testkit] droplet image ${tag}: ${(Number(size) / 1e6).toFixed(0)} MB`);
  });

  it('has what a fresh droplet has, and no baked-in SSH keys', { timeout: 20 * 60_000 }, async () => {
    const tag = await ensureDropletImage();
    // Look at the files only: no systemd needed for that.
    const script = [
      'ls /etc/ssh/ssh_host_* /root/.ssh/authorized_keys 2>/dev/null | wc -l',
      // dpkg-query lists packages in name order.
      'dpkg-query -W -f "\\${Package} \\${Status}\\n" systemd-sysv dbus openssh-server ufw 2>&1',
      'grep ^ENABLED= /etc/ufw/ufw.conf',
      'command -v docker dockerd || echo no docker',
    ].join('; ');
    const result = await docker(['run', '--rm', '--entrypoint', '/bin/sh', tag, '-c', script]);
    expect(result.stdout.trim().split('\n')).toEqual([
      '0',
      'dbus install ok installed',
      'openssh-server install ok installed',
      'systemd-sysv install ok installed',
      'ufw install ok installed',
      'ENABLED=no',
      'no docker',
    ]);
  });
});
