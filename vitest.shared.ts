import { basename, resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

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
