import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A flat apt repository made on this machine for a droplet test: one `.deb`
 * (`dpkg-deb --build`), its `Packages` index (`dpkg-scanpackages`), a
 * `Release` with the index's hash, and `InRelease` signed with a throwaway
 * key (`gpg --batch --quick-gen-key` in a temporary GNUPGHOME). Served to the
 * droplet as a `file:` URI once copied in, so apt never leaves the machine.
 */
export interface LocalAptRepo {
  /** The repository directory: the .deb, Packages, Release, InRelease. */
  readonly dir: string;
  /** The signing key, ASCII-armored (`gpg --armor --export`). */
  readonly key: string;
  readonly packageName: string;
  cleanup(): void;
}

function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): string {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.status}): ${result.stderr}${result.error ?? ''}`,
    );
  }
  return result.stdout;
}

export function buildLocalAptRepo(packageName = 'stratum-hello'): LocalAptRepo {
  const root = mkdtempSync(join(tmpdir(), 'stratum-apt-repo-'));
  const gnupg = join(root, 'gnupg');
  const env = { ...process.env, GNUPGHOME: gnupg };
  try {
    const pkg = join(root, 'pkg');
    mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
    mkdirSync(join(pkg, 'usr', 'bin'), { recursive: true });
    writeFileSync(
      join(pkg, 'DEBIAN', 'control'),
      `Package: ${packageName}\nVersion: 1.0\nArchitecture: all\nMaintainer: stratum tests <tests@stratum.invalid>\nDescription: a package made by a stratum test\n`,
    );
    writeFileSync(join(pkg, 'usr', 'bin', packageName), '#!/bin/sh\necho hello from the local repository\n');
    chmodSync(join(pkg, 'usr', 'bin', packageName), 0o755);
    const dir = join(root, 'repo');
    mkdirSync(dir);
    run('dpkg-deb', ['--root-owner-group', '--build', pkg, join(dir, `${packageName}_1.0_all.deb`)]);
    writeFileSync(
      join(dir, 'Packages'),
      run('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], { cwd: dir }),
    );
    const packages = readFileSync(join(dir, 'Packages'));
    const sha256 = createHash('sha256').update(packages).digest('hex');
    writeFileSync(
      join(dir, 'Release'),
      `Origin: stratum-test\nLabel: stratum-test\nSuite: stable\nDate: ${new Date().toUTCString()}\nSHA256:\n ${sha256} ${statSync(join(dir, 'Packages')).size} Packages\n`,
    );
    mkdirSync(gnupg, { mode: 0o700 });
    run(
      'gpg',
      [
        '--batch',
        '--passphrase',
        '',
        '--quick-gen-key',
        'stratum test repo <repo@stratum.invalid>',
        'ed25519',
        'sign',
        'never',
      ],
      { env },
    );
    run(
      'gpg',
      ['--batch', '--yes', '--clearsign', '--output', join(dir, 'InRelease'), join(dir, 'Release')],
      { env },
    );
    const key = run('gpg', ['--batch', '--armor', '--export', 'repo@stratum.invalid'], { env });
    return {
      dir,
      key,
      packageName,
      cleanup() {
        spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env });
        rmSync(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env });
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
}
