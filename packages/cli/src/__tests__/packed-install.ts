import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isCi, run } from '@stratum/testkit';
import { expect } from 'vitest';
import { CHILD_PATH, CLI_DIR } from './harness';

/**
 * What the install tests share: the publishable packages packed with `pnpm pack`
 * (which turns `workspace:^` into real versions) and the CLI installed globally
 * from those tarballs with plain npm, as users install it.
 */

/** The publishable packages, in an order where `@stratum/core` comes first. */
export const PUBLISHED = [
  'core',
  'state-postgres',
  'config',
  'provider-ssh',
  'provider-system',
  'provider-docker',
  'provider-git',
  'cli',
  'language-server',
];

/** npm's flags for a quiet, offline-friendly install. */
export const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];

/**
 * Whether the slow install tests run: always in CI, locally with
 * STRATUM_INSTALL_TESTS=1. Says once, naming `what`, when they are skipped.
 */
export function installTestsEnabled(what: string): boolean {
  const enabled = isCi() || process.env.STRATUM_INSTALL_TESTS === '1';
  if (!enabled)
    console.warn(
      `[cli] skipping the ${what} test: set STRATUM_INSTALL_TESTS=1 to run it locally (it always runs in CI)`,
    );
  return enabled;
}

/** `pnpm pack` of the package in `dir` into `dest`; the tarball's absolute path (npm reads `a/b.tgz` as GitHub). */
export async function pack(dir: string, dest: string): Promise<string> {
  mkdirSync(dest, { recursive: true });
  const before = new Set(existsSync(dest) ? readdirSync(dest) : []);
  await run('pnpm', ['pack', '--pack-destination', dest], { cwd: dir, check: true, timeoutMs: 120_000 });
  const made = readdirSync(dest).filter((file) => !before.has(file));
  expect(made).toHaveLength(1);
  return join(dest, made[0]!);
}

/**
 * Packs every {@link PUBLISHED} package into `dir/packs` and installs them
 * globally into `dir/prefix`. Returns the tarballs (core's first) and the
 * installed `stratum`.
 */
export async function installPackedCli(dir: string): Promise<{ tarballs: string[]; stratum: string }> {
  const packs = join(dir, 'packs');
  const tarballs: string[] = [];
  for (const name of PUBLISHED) tarballs.push(await pack(resolve(CLI_DIR, '..', name), packs));
  const prefix = join(dir, 'prefix');
  await run('npm', ['install', '-g', '--prefix', prefix, ...NPM_QUIET, ...tarballs], {
    check: true,
    timeoutMs: 480_000,
    env: { PATH: CHILD_PATH },
  });
  return { tarballs, stratum: join(prefix, 'bin', 'stratum') };
}
