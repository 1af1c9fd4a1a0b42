import { readdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

const packagesDir = resolve(import.meta.dirname, 'packages');

/**
 * Tests import sibling packages from source, not from their built dist, so a
 * test run never depends on (or races with) a build of another package.
 */
function workspaceAliases(): { find: string; replacement: string }[] {
  const aliases = [
    { find: '@stratum/core/test', replacement: resolve(packagesDir, 'core/src/test/index.ts') },
    { find: '@stratum/core/kit', replacement: resolve(packagesDir, 'core/src/kit/index.ts') },
    { find: '@stratum/core/node-version', replacement: resolve(packagesDir, 'core/src/node-version.ts') },
    { find: '@stratum/core/errors', replacement: resolve(packagesDir, 'core/src/errors.ts') },
  ];
  for (const dir of readdirSync(packagesDir)) {
    aliases.push({ find: `@stratum/${dir}`, replacement: resolve(packagesDir, dir, 'src/index.ts') });
  }
  return aliases;
}

/**
 * Every package's vitest config. Besides the console reporter it writes a JSON
 * report to <repo>/.test-results/<package>.json, which scripts/test.sh sums
 * into the closing "N passed, N failed" line.
 */
export function packageTestConfig(
  packageDir: string,
  extra: { testTimeout?: number; hookTimeout?: number } = {},
) {
  const name = basename(packageDir);
  return defineConfig({
    resolve: { alias: workspaceAliases() },
    test: {
      include: ['src/**/*.test.ts'],
      reporters: ['default', 'json'],
      outputFile: { json: resolve(packageDir, '../../.test-results', `${name}.json`) },
      passWithNoTests: true,
      testTimeout: extra.testTimeout ?? 20_000,
      hookTimeout: extra.hookTimeout ?? 120_000,
    },
  });
}
