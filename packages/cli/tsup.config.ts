import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

// The CLI is a program first: ESM only, with the `stratum` binary as its own entry.
// Split into chunks so that each command's `import('../run/...')` stays lazy: a
// command loads ssh2, the providers or chevrotain only when it uses them, and
// `--version` / `--help` load none of them. The binary starts from `main`, not
// from the library index, which also exports the providers' registry for tools.
export default defineConfig({
  ...packageBuild({ index: 'src/index.ts', main: 'src/main.ts', bin: 'src/bin.ts' }),
  format: ['esm'],
  splitting: true,
});
