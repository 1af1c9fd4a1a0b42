import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

// A program first, like the CLI it builds on (which is ESM only): ESM, with the
// `stratum-language-server` binary as its own entry.
export default defineConfig({
  ...packageBuild({ index: 'src/index.ts', bin: 'src/bin.ts' }),
  format: ['esm'],
});
