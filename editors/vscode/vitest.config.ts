import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Only for scripts/test.sh, which sums every package's JSON report into one line.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: resolve(import.meta.dirname, '../../.test-results/vscode.json') },
    testTimeout: 300_000,
  },
});
