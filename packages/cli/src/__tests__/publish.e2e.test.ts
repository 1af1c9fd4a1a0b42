/**
 * Every publishable package is ready for npm, checked on what npm would get:
 * the tarball `pnpm pack` makes (workspace ranges rewritten) carries a LICENSE,
 * the repository / homepage / bugs / keywords fields and a README whose links
 * are absolute; `npm publish --dry-run` accepts it; and `changeset version`
 * turns the pending changesets into a CHANGELOG for every package. Always in
 * CI; locally with STRATUM_INSTALL_TESTS=1.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_DIR } from './harness';
import { installTestsEnabled, pack } from './packed-install';

const REPO = resolve(CLI_DIR, '../..');
const PACKAGES = join(REPO, 'packages');
const enabled = installTestsEnabled('publish-readiness');

const publishable = readdirSync(PACKAGES).filter((dir) => {
  const manifest = join(PACKAGES, dir, 'package.json');
  return existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).private !== true;
});

describe.skipIf(!enabled)('ready to publish', () => {
  let dir: string;
  const tarballs = new Map<string, string>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratum-publish-'));
    for (const name of publishable) tarballs.set(name, await pack(join(PACKAGES, name), join(dir, 'packs')));
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('the metadata is what scripts/package-metadata.mjs writes', async () => {
    const result = await run(process.execPath, [join(REPO, 'scripts/package-metadata.mjs'), '--check']);
    expect(result.code, result.stderr).toBe(0);
  });

  it.each(publishable)(
    '@stratum/%s: LICENSE, metadata and absolute README links in the tarball',
    async (name) => {
      const tarball = tarballs.get(name)!;
      const listed = (await run('tar', ['-tzf', tarball], { check: true })).stdout.split('\n');
      expect(listed).toEqual(
        expect.arrayContaining(['package/LICENSE', 'package/README.md', 'package/package.json']),
      );
      const manifest = JSON.parse(
        (await run('tar', ['-xOzf', tarball, 'package/package.json'], { check: true })).stdout,
      ) as Record<string, unknown>;
      expect(manifest).toMatchObject({
        license: 'MIT',
        repository: { type: 'git', directory: `packages/${name}` },
        bugs: { url: expect.stringMatching(/^https:\/\//) },
        homepage: expect.stringMatching(/^https:\/\//),
        engines: { node: '>=22' },
      });
      expect((manifest.keywords as string[]).length).toBeGreaterThan(3);
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
      const readme = (await run('tar', ['-xOzf', tarball, 'package/README.md'], { check: true })).stdout;
      const relative = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
        .map((m) => m[1]!)
        .filter((target) => !/^(https?:|mailto:|#)/.test(target));
      expect(relative, 'links that break on npm').toEqual([]);
    },
  );

  it.each(publishable)('@stratum/%s: npm publish --dry-run accepts the tarball', async (name) => {
    const result = await run('npm', ['publish', '--dry-run', '--json', tarballs.get(name)!], {
      cwd: dir,
      timeoutMs: 120_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout))).toEqual([`@stratum/${name}`]);
  });

  it('changeset version writes a CHANGELOG for every package from the pending changesets', async () => {
    // The manifests and changesets only, so the real ones are left alone.
    const copy = join(dir, 'repo');
    mkdirSync(copy);
    for (const file of ['package.json', 'pnpm-workspace.yaml']) cpSync(join(REPO, file), join(copy, file));
    cpSync(join(REPO, '.changeset'), join(copy, '.changeset'), { recursive: true });
    for (const group of ['packages', 'examples']) {
      for (const name of readdirSync(join(REPO, group))) {
        const manifest = join(REPO, group, name, 'package.json');
        if (!existsSync(manifest)) continue;
        mkdirSync(join(copy, group, name), { recursive: true });
        cpSync(manifest, join(copy, group, name, 'package.json'));
      }
    }
    const result = await run(join(REPO, 'node_modules/.bin/changeset'), ['version'], {
      cwd: copy,
      timeoutMs: 120_000,
    });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // Every package a pending changeset names; after a release there may be none.
    const named = new Set(
      readdirSync(join(REPO, '.changeset'))
        .filter((file) => file.endsWith('.md') && file !== 'README.md')
        .flatMap((file) => [
          ...readFileSync(join(REPO, '.changeset', file), 'utf8').matchAll(/^"@stratum\/([a-z-]+)":/gm),
        ])
        .map((m) => m[1]!),
    );
    for (const name of publishable.filter((n) => named.has(n))) {
      const changelog = readFileSync(join(copy, 'packages', name, 'CHANGELOG.md'), 'utf8');
      expect(changelog.startsWith(`# @stratum/${name}\n`)).toBe(true);
      expect(changelog).toMatch(/^## \d+\.\d+\.\d+$/m);
    }
  });
});
