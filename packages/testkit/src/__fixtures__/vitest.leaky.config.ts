import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Runs leaky-worker.fixture.ts alone, as a child vitest of the tests that check
 * what a worker leaves behind when vitest ends it. No JSON report: the
 * package's own report must not be overwritten.
 */
export default defineConfig({
  resolve: {
    alias: [
      { find: '@stratum/core', replacement: resolve(import.meta.dirname, '../../../core/src/index.ts') },
    ],
  },
  test: {
    root: import.meta.dirname,
    include: ['leaky-worker.fixture.ts'],
    reporters: ['dot'],
    testTimeout: 120_000,
  },
});
