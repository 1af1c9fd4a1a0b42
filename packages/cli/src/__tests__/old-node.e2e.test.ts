/**
 * On a Node.js older than 22, every package says so instead of failing from
 * inside a dependency (`Object.groupBy is not a function` from chevrotain, a
 * missing `globSync` export): each library's built entry, imported and
 * required, and the `stratum` bin. Runs against a real old Node: the one
 * `scripts/test.sh` installs (`STRATUM_OLD_NODE`), required in CI.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isCi, run } from '@stratum/testkit';
import { describe, expect, it } from 'vitest';
import { BIN, CLI_DIR } from './harness';

const oldNode = process.env.STRATUM_OLD_NODE;
const available = oldNode !== undefined && existsSync(oldNode);
if (!available && isCi()) throw new Error('STRATUM_OLD_NODE is not set in CI: scripts/test.sh installs it');
if (!available)
  console.warn('[cli] skipping the old-Node test: run it through scripts/test.sh (STRATUM_OLD_NODE)');

const PACKAGES = resolve(CLI_DIR, '..');

/** The publishable libraries: every package that is not private, but the CLI (its bin checks on its own). */
const libraries = readdirSync(PACKAGES).filter((dir) => {
  const manifest = join(PACKAGES, dir, 'package.json');
  if (!existsSync(manifest) || dir === 'cli') return false;
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { private?: boolean; main?: string };
  return pkg.private !== true && pkg.main !== undefined;
});

const REFUSAL = /UnsupportedNode: @stratum\/\* needs Node\.js 22 or newer; this is Node\.js 2[01]\./;

describe.skipIf(!available)('an unsupported Node.js', () => {
  it('is a Node older than 22', async () => {
    const version = await run(oldNode!, ['--version'], { check: true });
    expect(Number(version.stdout.trim().replace(/^v/, '').split('.')[0])).toBeLessThan(22);
  });

  it.each(libraries)('@stratum/%s refuses it by name, imported or required', async (dir) => {
    const entry = join(PACKAGES, dir, 'dist', 'index.js');
    const imported = await run(oldNode!, [
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(entry)})`,
    ]);
    // An ESM-only package (the language server, which sits on the ESM-only CLI) has no require form.
    const cjs = entry.replace(/\.js$/, '.cjs');
    const required = existsSync(cjs)
      ? await run(oldNode!, ['-e', `require(${JSON.stringify(cjs)})`])
      : imported;
    for (const result of [imported, required]) {
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(REFUSAL);
      expect(result.stderr).not.toMatch(/groupBy|does not provide an export/);
    }
  });

  it('the stratum bin refuses it with a hint and exit 1, before loading anything', async () => {
    const result = await run(oldNode!, [BIN, 'plan']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Error: stratum needs Node.js 22 or newer; this is Node.js ${(await run(oldNode!, ['-p', 'process.versions.node'])).stdout.trim()}.\nhint: install a current Node.js (for example \`npm install -g node@24\`) and retry.\n`,
    );
  });
});
