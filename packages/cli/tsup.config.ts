import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

// The CLI is a program first: ESM only, with the `stratum` binary as its own entry.
export default defineConfig({
  ...packageBuild({ index: 'src/index.ts', bin: 'src/bin.ts' }),
  format: ['esm'],
});
