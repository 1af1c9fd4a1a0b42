import { defineConfig } from 'tsup';

// Private package: tests import its sources; the build only serves scripts/demo.mjs,
// which runs under plain Node and needs JavaScript.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  dts: false,
  clean: true,
  target: 'node22',
  platform: 'node',
});
