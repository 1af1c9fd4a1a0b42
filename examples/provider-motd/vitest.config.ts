import { defineConfig } from 'vitest/config';

// Only for the stratum repo: scripts/test.sh sums every package's JSON report into one line.
// A provider package of your own needs no vitest config at all.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '../../.test-results/provider-motd.json' },
  },
});
