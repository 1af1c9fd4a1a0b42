import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SSHD_RELOAD_COMMAND, SWAP_SCRIPT } from './tuning-scripts';

function which(command: string): string | undefined {
  const out = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

describe('tuning scripts: syntax', () => {
  const shells = [
    ['dash', ['-n']],
    ['busybox', ['sh', '-n']],
    ['bash', ['--posix', '-n']],
  ] as const;
  for (const [shell, args] of shells) {
    it.skipIf(which(shell) === undefined)(`parse under ${shell}`, () => {
      for (const script of [SWAP_SCRIPT, SSHD_RELOAD_COMMAND]) {
        const out = spawnSync(shell, [...args], { input: script, encoding: 'utf8' });
        expect(out.stderr).toBe('');
        expect(out.status).toBe(0);
      }
    });
  }

  it('the syntax check itself rejects broken sh', () => {
    const out = spawnSync('sh', ['-n'], { input: 'if true; then\n', encoding: 'utf8' });
    expect(out.status).not.toBe(0);
  });
});

/*
 * The swap script runs for real, unmodified, inside a throwaway chroot: dash
 * (Debian's /bin/sh) and a few busybox utilities, plus fake swapon / mkswap /
 * fallocate / dd that record their calls and simulate the kernel through the
 * chroot's own /proc/swaps. Nothing outside the temp dir is touched: the real
 * swap tools are not in the chroot at all. (Busybox's own sh is not used to
 * run it: its ash prefers some built-in applets, `dd` among them, over PATH.)
 * Needs root (for chroot), dash and a static busybox; skipped otherwise.
 */
const busybox = which('busybox');
const dash = which('dash');
const chroot = which('chroot');
const canChroot =
  process.getuid?.() === 0 && busybox !== undefined && dash !== undefined && chroot !== undefined;

/** dash and the shared libraries it loads, at the same paths inside `root`. */
function installDash(root: string): void {
  const ldd = spawnSync('ldd', [dash as string], { encoding: 'utf8' }).stdout;
  const libs = [...ldd.matchAll(/(\/\S+)\s+\(0x/g)].map((m) => m[1] as string);
  for (const file of [dash as string, ...libs]) {
    mkdirSync(join(root, dirname(file)), { recursive: true });
    writeFileSync(join(root, file), readFileSync(file), { mode: 0o755 });
  }
  symlinkSync(dash as string, join(root, 'bin/sh'));
}

const FAKE_TOOLS: Record<string, string> = {
  fallocate: `echo "fallocate $*" >> /calls.log
[ -e /fail-fallocate ] && { echo 'fallocate: Operation not supported' >&2; exit 1; }
[ "$1" = -l ] || exit 2
echo "fallocated $2" > "$3"`,
  dd: `echo "dd $*" >> /calls.log
for arg in "$@"; do case "$arg" in of=*) echo zeros > "\${arg#of=}" ;; esac; done
echo '4096+0 records in' >&2`,
  mkswap: `echo "mkswap $* mode=$(stat -c %a "$1")" >> /calls.log
[ -f "$1" ] || exit 1
echo "SWAPSPACE2" >> "$1"`,
  swapon: `echo "swapon $*" >> /calls.log
grep -q SWAPSPACE2 "$1" || { echo "swapon: $1: read swap header failed" >&2; exit 1; }
grep -q "^$1[[:space:]]" /proc/swaps && { echo "swapon: $1: swapon failed: Device or resource busy" >&2; exit 1; }
printf '%s\\t\\t\\t\\tfile\\t\\t4194300\\t\\t0\\t\\t-2\\n' "$1" >> /proc/swaps`,
};

const INITIAL_FSTAB = 'UUID=0a1b2c3d / ext4 errors=remount-ro 0 1\n';
const PROC_SWAPS_HEADER = 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n';

interface Sandbox {
  root: string;
  run(): { status: number | null; stdout: string; stderr: string };
  read(path: string): string;
  calls(): string[];
}

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function sandbox(extraTools: Record<string, string> = {}): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'stratum-swap-'));
  roots.push(root);
  for (const dir of ['bin', 'fakes', 'etc', 'proc', 'run', 'dev']) mkdirSync(join(root, dir));
  writeFileSync(join(root, 'bin/busybox'), readFileSync(busybox as string));
  chmodSync(join(root, 'bin/busybox'), 0o755);
  for (const applet of ['grep', 'chmod', 'mv', 'rm', 'cat', 'stat']) {
    symlinkSync('busybox', join(root, 'bin', applet));
  }
  installDash(root);
  for (const [name, body] of Object.entries({ ...FAKE_TOOLS, ...extraTools })) {
    writeFileSync(join(root, 'fakes', name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  }
  writeFileSync(join(root, 'etc/fstab'), INITIAL_FSTAB);
  writeFileSync(join(root, 'proc/swaps'), PROC_SWAPS_HEADER);
  writeFileSync(join(root, 'calls.log'), '');
  return {
    root,
    run() {
      const out = spawnSync(chroot as string, [root, '/bin/sh', '-c', SWAP_SCRIPT], {
        env: { PATH: '/fakes:/bin' },
        encoding: 'utf8',
      });
      return { status: out.status, stdout: out.stdout, stderr: out.stderr };
    },
    read: (path) => readFileSync(join(root, path), 'utf8'),
    calls: () => readFileSync(join(root, 'calls.log'), 'utf8').split('\n').filter(Boolean),
  };
}

describe.skipIf(!canChroot)('swap script, run in a chroot with fake swap tools', () => {
  it('creates a 4 GiB swapfile with mode 600, enables it and adds one fstab line', () => {
    const box = sandbox();
    const first = box.run();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe(
      'swap: created /swapfile (4 GiB)\nswap: enabled /swapfile\nswap: added /swapfile to /etc/fstab\n',
    );
    expect(box.calls()).toEqual([
      'fallocate -l 4G /swapfile.stratum-partial',
      'mkswap /swapfile.stratum-partial mode=600',
      'swapon /swapfile',
    ]);
    expect(statSync(join(box.root, 'swapfile')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(box.root, 'swapfile.stratum-partial'))).toBe(false);
    expect(box.read('etc/fstab')).toBe(`${INITIAL_FSTAB}/swapfile none swap sw 0 0\n`);
    expect(box.read('proc/swaps')).toMatch(/^\/swapfile\s+file/m);
  });

  it('changes nothing when run a second time', () => {
    const box = sandbox();
    expect(box.run().status).toBe(0);
    const callsAfterFirst = box.calls();
    const fstab = box.read('etc/fstab');
    const second = box.run();
    expect(second.status).toBe(0);
    expect(second.stdout).toBe('swap: /swapfile already active\nswap: /swapfile already in /etc/fstab\n');
    expect(box.calls()).toEqual(callsAfterFirst);
    expect(box.read('etc/fstab')).toBe(fstab);
  });

  it('falls back to dd when fallocate is not supported', () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'fail-fallocate'), '');
    const out = box.run();
    expect(out.status).toBe(0);
    expect(box.calls()).toEqual([
      'fallocate -l 4G /swapfile.stratum-partial',
      'dd if=/dev/zero of=/swapfile.stratum-partial bs=1M count=4096',
      'mkswap /swapfile.stratum-partial mode=600',
      'swapon /swapfile',
    ]);
    expect(box.read('swapfile')).toContain('SWAPSPACE2');
  });

  it('re-enables an existing swapfile after a reboot without rebuilding it or touching fstab', () => {
    const box = sandbox();
    expect(box.run().status).toBe(0);
    writeFileSync(join(box.root, 'proc/swaps'), PROC_SWAPS_HEADER);
    writeFileSync(join(box.root, 'calls.log'), '');
    const out = box.run();
    expect(out.status).toBe(0);
    expect(out.stdout).toBe('swap: enabled /swapfile\nswap: /swapfile already in /etc/fstab\n');
    expect(box.calls()).toEqual(['swapon /swapfile']);
    expect(box.read('etc/fstab').match(/\/swapfile/g)).toHaveLength(1);
  });

  it('does not trust a leftover partial file from an interrupted run', () => {
    const box = sandbox();
    writeFileSync(join(box.root, 'swapfile.stratum-partial'), 'half written');
    const out = box.run();
    expect(out.status).toBe(0);
    expect(box.read('swapfile')).toBe('fallocated 4G\nSWAPSPACE2\n');
  });

  it('fails loudly, leaving no swapfile behind, when neither fallocate nor dd can create it', () => {
    const box = sandbox({
      dd: `echo "dd: error writing '/swapfile.stratum-partial': No space left on device" >&2\nexit 1`,
    });
    writeFileSync(join(box.root, 'fail-fallocate'), '');
    const out = box.run();
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('swap: could not create /swapfile: dd: error writing');
    expect(existsSync(join(box.root, 'swapfile'))).toBe(false);
    expect(existsSync(join(box.root, 'swapfile.stratum-partial'))).toBe(false);
    expect(box.read('etc/fstab')).toBe(INITIAL_FSTAB);
  });

  it.each([
    ['/.dockerenv', 'docker'],
    ['/run/.containerenv', 'podman'],
  ])('skips in a container marked by %s', (marker, type) => {
    const box = sandbox();
    writeFileSync(join(box.root, marker), '');
    const out = box.run();
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(`swap: skipped, running in a container (${type})\n`);
    expect(box.calls()).toEqual([]);
    expect(box.read('etc/fstab')).toBe(INITIAL_FSTAB);
  });

  it('skips when systemd-detect-virt reports a container', () => {
    const box = sandbox({ 'systemd-detect-virt': '[ "$1" = --container ] || exit 2\necho lxc' });
    const out = box.run();
    expect(out.stdout).toBe('swap: skipped, running in a container (lxc)\n');
    expect(box.calls()).toEqual([]);
  });

  it('goes ahead when systemd-detect-virt reports no container', () => {
    const box = sandbox({ 'systemd-detect-virt': 'echo none\nexit 1' });
    const out = box.run();
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('swap: created /swapfile (4 GiB)');
  });
});
