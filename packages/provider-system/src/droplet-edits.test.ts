/**
 * The droplet tier for the small system edits: symlinks, lines of files,
 * sysctl settings, users and groups on a disposable Debian container, through the real pooled
 * ssh2 transport — applied, read back clean, drifted by hand (`docker exec`),
 * repaired and deleted. Runs when CI is set or STRATUM_DROPLET_TESTS=1.
 */
import { spawnSync } from 'node:child_process';
import { createTestContext } from '@stratum/core/test';
import { createSshTransport, type SshTransport } from '@stratum/provider-ssh';
import { type Droplet, dropletTier, startDroplet } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLocalAptRepo } from './__tests__/local-apt-repo';
import { stepsOf } from './__tests__/steps';
import { createSystemProvider } from './system-provider';

const tier = await dropletTier();
const SLOW = 10 * 60_000;
const NO_DRIFT = { changes: [], missing: false };

describe.skipIf(!tier.run)('symlinks, lines, sysctl, users and groups on a fresh droplet', () => {
  let droplet: Droplet;
  let transport: SshTransport;
  let host: string;
  const provider = createSystemProvider();
  const { create, update, remove, drift } = stepsOf(provider, () => createTestContext(transport));

  beforeAll(async () => {
    droplet = await startDroplet();
    host = droplet.addr;
    transport = createSshTransport(droplet.transportOptions);
    // The testkit makes the droplet's net.* sysctls writable, as a VM's are;
    // kernel.* and vm.* stay read-only, and the test below relies on that.
  }, 30 * 60_000);

  afterAll(async () => {
    await transport?.close();
    await droplet?.stop();
  });

  const inDroplet = async (command: string) => {
    const result = await droplet.exec(command);
    expect(result.code, result.stderr).toBe(0);
    return result.stdout;
  };

  it(
    'system_symlink: link, drift by hand, repair, refuse a file, delete',
    async () => {
      const attrs = { host, path: '/usr/local/bin/editor', target: '/usr/bin/less' };
      const s = await create('system_symlink', 'editor', attrs);
      expect(await inDroplet('readlink /usr/local/bin/editor')).toBe('/usr/bin/less\n');
      expect(await drift('system_symlink', 'editor', s)).toMatchObject(NO_DRIFT);

      await inDroplet('ln -sfn /bin/true /usr/local/bin/editor');
      expect((await drift('system_symlink', 'editor', s)).changes).toEqual([
        { field: 'target', from: '/usr/bin/less', to: '/bin/true' },
      ]);
      await update('system_symlink', 'editor', attrs, s);
      expect(await drift('system_symlink', 'editor', s)).toMatchObject(NO_DRIFT);

      await inDroplet('rm /usr/local/bin/editor && echo precious > /usr/local/bin/editor');
      expect((await drift('system_symlink', 'editor', s)).changes).toEqual([
        { field: 'target', from: '/usr/bin/less', to: null },
      ]);
      await expect(update('system_symlink', 'editor', attrs, s)).rejects.toThrow('is not a symbolic link');
      expect(await inDroplet('cat /usr/local/bin/editor')).toBe('precious\n');
      await update('system_symlink', 'editor', { ...attrs, force: true }, s);
      expect(await inDroplet('readlink /usr/local/bin/editor')).toBe('/usr/bin/less\n');

      await remove('system_symlink', 'editor', s);
      expect((await drift('system_symlink', 'editor', s)).missing).toBe(true);
    },
    SLOW,
  );

  it(
    'system_line: replace a commented default in sshd_config, drift, repair, delete',
    async () => {
      const before = await inDroplet('cat /etc/ssh/sshd_config');
      const attrs = { host, path: '/etc/ssh/sshd_config', line: 'MaxAuthTries 4', match: '^#?MaxAuthTries' };
      const s = await create('system_line', 'tries', attrs);
      const after = await inDroplet('cat /etc/ssh/sshd_config');
      expect(after.split('\n').filter((l) => /MaxAuthTries/.test(l))).toEqual(['MaxAuthTries 4']);
      expect(after.split('\n').length).toBe(before.split('\n').length);
      expect(await inDroplet('stat -c %a:%U /etc/ssh/sshd_config')).toBe('644:root\n');
      expect(await drift('system_line', 'tries', s)).toMatchObject(NO_DRIFT);

      await inDroplet("sed -i 's/^MaxAuthTries 4$/MaxAuthTries 9/' /etc/ssh/sshd_config");
      expect((await drift('system_line', 'tries', s)).changes).toEqual([
        { field: 'state', from: 'present', to: 'absent' },
      ]);
      await update('system_line', 'tries', attrs, s);
      expect(await inDroplet('grep -c "^MaxAuthTries" /etc/ssh/sshd_config')).toBe('1\n');
      expect(await drift('system_line', 'tries', s)).toMatchObject(NO_DRIFT);

      await remove('system_line', 'tries', s);
      expect((await droplet.exec('grep -c "^MaxAuthTries" /etc/ssh/sshd_config')).stdout).toBe('0\n');
    },
    SLOW,
  );

  it(
    'system_sysctl: set live and persisted, drift by hand, repair, delete',
    async () => {
      const attrs = { host, key: 'net.ipv4.ip_forward', value: 1 };
      const s = await create('system_sysctl', 'forward', attrs);
      expect(await inDroplet('sysctl -n net.ipv4.ip_forward')).toBe('1\n');
      expect(await inDroplet('cat /etc/sysctl.d/90-stratum-net.ipv4.ip_forward.conf')).toBe(
        'net.ipv4.ip_forward = 1\n',
      );
      expect(await drift('system_sysctl', 'forward', s)).toMatchObject(NO_DRIFT);

      await inDroplet(
        'sysctl -w net.ipv4.ip_forward=0 >/dev/null && rm /etc/sysctl.d/90-stratum-net.ipv4.ip_forward.conf',
      );
      expect((await drift('system_sysctl', 'forward', s)).changes).toEqual([
        { field: 'persisted', from: true, to: false },
        { field: 'value', from: '1', to: '0' },
      ]);
      await update('system_sysctl', 'forward', attrs, s);
      expect(await drift('system_sysctl', 'forward', s)).toMatchObject(NO_DRIFT);
      // What a boot does with the file (`sysctl --system` would also trip over the container's read-only keys).
      await inDroplet(
        'sysctl -w net.ipv4.ip_forward=0 >/dev/null && sysctl -p /etc/sysctl.d/90-stratum-net.ipv4.ip_forward.conf >/dev/null',
      );
      expect(await inDroplet('sysctl -n net.ipv4.ip_forward')).toBe('1\n');

      await remove('system_sysctl', 'forward', s);
      expect((await drift('system_sysctl', 'forward', s)).changes).toEqual([
        { field: 'persisted', from: true, to: false },
      ]);
    },
    SLOW,
  );

  it(
    'system_sysctl: a key the container may not write fails with the reason and persists nothing',
    async () => {
      const error = (await create('system_sysctl', 'ro', { host, key: 'kernel.panic', value: 3 }).catch(
        (e: unknown) => e,
      )) as Error & { hint?: string };
      expect(error.message).toContain(`system_sysctl.ro: sysctl -w kernel.panic failed on ${host}`);
      expect(error.message).toMatch(/Read-only file system|permission denied/i);
      expect(error.hint).toContain('cannot be set on this host');
      expect((await droplet.exec('test -e /etc/sysctl.d/90-stratum-kernel.panic.conf')).code).not.toBe(0);
    },
    SLOW,
  );
  it(
    'system_group and system_user: a deploy user in a sudo group, read clean, drifted, repaired, deleted',
    async () => {
      const g = await create('system_group', 'deployers', { host, gid: 2500 });
      expect(g).toEqual({ host, name: 'deployers', gid: 2500, system: false });
      expect(await inDroplet('getent group deployers')).toBe('deployers:x:2500:\n');
      expect(await drift('system_group', 'deployers', g)).toMatchObject(NO_DRIFT);

      const attrs = {
        host,
        name: 'deploy',
        uid: 2501,
        group: 'deployers',
        groups: ['sudo'],
        shell: '/bin/bash',
        lock_password: true,
      };
      const u = await create('system_user', 'deploy', attrs);
      expect(await inDroplet('id deploy')).toBe(
        'uid=2501(deploy) gid=2500(deployers) groups=2500(deployers),27(sudo)\n',
      );
      expect(await inDroplet('getent passwd deploy | cut -d: -f6,7')).toBe('/home/deploy:/bin/bash\n');
      expect(await inDroplet('stat -c %U /home/deploy')).toBe('deploy\n');
      expect(await inDroplet('passwd -S deploy | cut -d" " -f2')).toBe('L\n');
      expect(await drift('system_user', 'deploy', u)).toMatchObject(NO_DRIFT);
      // A second apply changes nothing.
      await update('system_user', 'deploy', attrs, u);
      expect(await drift('system_user', 'deploy', u)).toMatchObject(NO_DRIFT);

      await inDroplet(
        'usermod -s /bin/sh -G users deploy && usermod -p x deploy && groupmod -g 2600 deployers',
      );
      expect((await drift('system_user', 'deploy', u)).changes).toEqual([
        { field: 'groups', from: ['sudo'], to: ['users'] },
        { field: 'lock_password', from: true, to: false },
        { field: 'shell', from: '/bin/bash', to: '/bin/sh' },
      ]);
      expect((await drift('system_group', 'deployers', g)).changes).toEqual([
        { field: 'gid', from: 2500, to: 2600 },
      ]);
      await update('system_group', 'deployers', { host, gid: 2500 }, g);
      await update('system_user', 'deploy', attrs, u);
      expect(await drift('system_user', 'deploy', u)).toMatchObject(NO_DRIFT);
      expect(await drift('system_group', 'deployers', g)).toMatchObject(NO_DRIFT);

      const taken = await create('system_user', 'other', { host, uid: 2501 }).catch((e: Error) => e);
      expect(String(taken)).toContain(`system_user.other: useradd other failed on ${host}`);
      expect(String(taken)).toContain('UID 2501 is not unique');

      // Keys: ~/.ssh 0700 and authorized_keys 0600, the user's; a key sshd really accepts.
      const keygen = await droplet.exec(
        'rm -f /tmp/k /tmp/k.pub && ssh-keygen -q -t ed25519 -N "" -C deploy@test -f /tmp/k && cat /tmp/k.pub',
      );
      expect(keygen.code, keygen.stderr).toBe(0);
      const pub = keygen.stdout.trim();
      await inDroplet(
        'mkdir -p /home/deploy/.ssh && echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOLDKEYOLDKEYOLDKEYOLDKEYOLDKEYOLDKEYOLDKEYOLD old@x" > /home/deploy/.ssh/authorized_keys && chmod 666 /home/deploy/.ssh/authorized_keys',
      );
      const k = await create('system_authorized_key', 'deploy-key', { host, user: 'deploy', key: pub });
      expect(await inDroplet('stat -c "%a %U:%G" /home/deploy/.ssh /home/deploy/.ssh/authorized_keys')).toBe(
        '700 deploy:deployers\n600 deploy:deployers\n',
      );
      expect(await inDroplet('wc -l < /home/deploy/.ssh/authorized_keys')).toBe('2\n');
      expect(await drift('system_authorized_key', 'deploy-key', k)).toMatchObject(NO_DRIFT);
      const login = await droplet.exec(
        'ssh -o StrictHostKeyChecking=no -o BatchMode=yes -i /tmp/k deploy@127.0.0.1 id -un',
      );
      expect(login.stdout).toBe('deploy\n');

      const only = { host, user: 'deploy', key: pub, exclusive: true };
      const x = await update('system_authorized_key', 'deploy-key', only, k);
      expect(await inDroplet('cat /home/deploy/.ssh/authorized_keys')).toBe(`${pub}\n`);
      expect(await drift('system_authorized_key', 'deploy-key', x)).toMatchObject(NO_DRIFT);
      await inDroplet(
        'echo "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIINTRUDERINTRUDERINTRUDERINTRUDER x" >> /home/deploy/.ssh/authorized_keys',
      );
      expect((await drift('system_authorized_key', 'deploy-key', x)).changes).toEqual([
        { field: 'exclusive', from: true, to: false },
      ]);
      await update('system_authorized_key', 'deploy-key', only, x);
      expect(await drift('system_authorized_key', 'deploy-key', x)).toMatchObject(NO_DRIFT);
      await inDroplet(': > /home/deploy/.ssh/authorized_keys');
      expect((await drift('system_authorized_key', 'deploy-key', x)).missing).toBe(true);
      await update('system_authorized_key', 'deploy-key', only, x);
      await remove('system_authorized_key', 'deploy-key', x);
      expect(await inDroplet('cat /home/deploy/.ssh/authorized_keys')).toBe('');
      const nobody = await create('system_authorized_key', 'ghost', { host, user: 'ghost', key: pub }).catch(
        (e: Error) => e,
      );
      expect(String(nobody)).toContain(
        `system_authorized_key.ghost: authorized key for ghost failed on ${host} (exit 3)`,
      );
      expect(String(nobody)).toContain('no user ghost on this host');

      await remove('system_user', 'deploy', u);
      expect((await drift('system_user', 'deploy', u)).missing).toBe(true);
      await remove('system_group', 'deployers', g);
      expect((await drift('system_group', 'deployers', g)).missing).toBe(true);
      // Deleting again is done already.
      await remove('system_user', 'deploy', u);
    },
    SLOW,
  );

  it(
    'system_apt_repo: a signed local repository, a package installed from it, drift repaired, deleted',
    async () => {
      const repo = buildLocalAptRepo();
      // apt in the droplet must read only the local repository: Debian's own sources go aside meanwhile.
      await inDroplet('mv /etc/apt/sources.list /etc/apt/sources.list.stratum-aside');
      try {
        const cp = spawnSync('docker', ['cp', repo.dir, `${droplet.containerId}:/srv/repo`], {
          encoding: 'utf8',
        });
        expect(cp.status, cp.stderr).toBe(0);
        await inDroplet('chown -R root:root /srv/repo && chmod -R a+rX /srv/repo');

        const attrs = {
          host,
          name: 'stratum-local',
          uris: ['file:/srv/repo'],
          suites: ['./'],
          key: repo.key,
        };
        const r = await create('system_apt_repo', 'local', attrs);
        expect(r).toMatchObject({
          host,
          name: 'stratum-local',
          uris: ['file:/srv/repo'],
          suites: ['./'],
          components: [],
        });
        expect(r.key).toBeUndefined();
        expect(await inDroplet('cat /etc/apt/sources.list.d/stratum-local.sources')).toBe(
          'Types: deb\nURIs: file:/srv/repo\nSuites: ./\nSigned-By: /etc/apt/keyrings/stratum-local.asc\n',
        );
        expect(await inDroplet('apt-cache policy stratum-hello')).toContain('file:/srv/repo ./ Packages');
        expect(await drift('system_apt_repo', 'local', r)).toMatchObject(NO_DRIFT);

        const p = await create('system_package', 'hello', { host, name: repo.packageName });
        expect(await inDroplet('stratum-hello')).toBe('hello from the local repository\n');

        await inDroplet(
          'sed -i "s|^Suites: ./|Suites: stable|" /etc/apt/sources.list.d/stratum-local.sources && rm /etc/apt/keyrings/stratum-local.asc',
        );
        expect((await drift('system_apt_repo', 'local', r)).changes).toEqual([
          { field: 'key_sha256', from: r.key_sha256, to: null },
          { field: 'suites', from: ['./'], to: ['stable'] },
        ]);
        await update('system_apt_repo', 'local', attrs, r);
        expect(await drift('system_apt_repo', 'local', r)).toMatchObject(NO_DRIFT);

        // The one-line form: `<name>.list` replaces `<name>.sources`, the key stays, apt still reads the repository.
        const oneLine = await update('system_apt_repo', 'local', { ...attrs, format: 'one-line' }, r);
        expect(oneLine).toMatchObject({ format: 'one-line', key_sha256: r.key_sha256 });
        expect(await inDroplet('cat /etc/apt/sources.list.d/stratum-local.list')).toBe(
          'deb [signed-by=/etc/apt/keyrings/stratum-local.asc] file:/srv/repo ./\n',
        );
        expect((await droplet.exec('ls /etc/apt/sources.list.d/stratum-local.sources')).code).not.toBe(0);
        expect(await inDroplet('apt-cache policy stratum-hello')).toContain('file:/srv/repo ./ Packages');
        expect(await drift('system_apt_repo', 'local', oneLine)).toMatchObject(NO_DRIFT);
        await inDroplet('sed -i "s| ./$| stable|" /etc/apt/sources.list.d/stratum-local.list');
        expect((await drift('system_apt_repo', 'local', oneLine)).changes).toEqual([
          { field: 'suites', from: ['./'], to: ['stable'] },
        ]);
        // Back to deb822: the .list goes.
        await update('system_apt_repo', 'local', attrs, oneLine);
        expect((await droplet.exec('ls /etc/apt/sources.list.d/stratum-local.list')).code).not.toBe(0);
        expect(await drift('system_apt_repo', 'local', r)).toMatchObject(NO_DRIFT);

        // A repository signed by another key than the one given: apt-get update refuses it, and the step says so.
        const other = buildLocalAptRepo('stratum-other');
        try {
          const cpOther = spawnSync('docker', ['cp', other.dir, `${droplet.containerId}:/srv/repo-other`], {
            encoding: 'utf8',
          });
          expect(cpOther.status, cpOther.stderr).toBe(0);
          await inDroplet('chown -R root:root /srv/repo-other && chmod -R a+rX /srv/repo-other');
          const bad = { host, uris: ['file:/srv/repo-other'], suites: ['./'], key: repo.key };
          const error = (await create('system_apt_repo', 'bad', bad).catch((e: unknown) => e)) as Error;
          expect(error.message).toContain(`system_apt_repo.bad: apt-get update failed on ${host}`);
          expect(error.message).toMatch(/NO_PUBKEY|not signed/);
          await remove('system_apt_repo', 'bad', { host, name: 'bad' });
        } finally {
          other.cleanup();
        }
        await update('system_apt_repo', 'local', attrs, r);

        await remove('system_package', 'hello', p);
        await remove('system_apt_repo', 'local', r);
        expect((await drift('system_apt_repo', 'local', r)).missing).toBe(true);
        expect((await droplet.exec('ls /etc/apt/keyrings/stratum-local.asc')).code).not.toBe(0);
      } finally {
        await droplet.exec('mv /etc/apt/sources.list.stratum-aside /etc/apt/sources.list');
        repo.cleanup();
      }
    },
    SLOW,
  );
});
