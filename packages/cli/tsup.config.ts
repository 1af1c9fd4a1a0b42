import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

const require = createRequire(import.meta.url);

// The CLI is a program first: ESM only, with the `stratum` binary as its own entry.
// Split into chunks so that each command's `import('../run/...')` stays lazy: a
// command loads ssh2, the providers or chevrotain only when it uses them, and
// `--version` / `--help` load none of them. The binary starts from `main`, not
// from the library index, which also exports the providers' registry for tools.
export default defineConfig({
  ...packageBuild({ index: 'src/index.ts', main: 'src/main.ts', bin: 'src/bin.ts' }),
  format: ['esm'],
  splitting: true,
  // Bundled, not installed: yargs is some twenty small modules (cliui, y18n,
  // yargs-parser, ...) and import-meta-resolve six, and every module costs
  // Node a resolve, a stat and a read at each start. Only the CLI uses them;
  // zod and the @stratum packages stay external, shared with the providers.
  noExternal: ['yargs', 'import-meta-resolve'],
  esbuildOptions(options) {
    // string-width (under cliui and wrap-ansi, for the `--help` layout) builds
    // an Intl.Segmenter and an emoji regex per character; fast-string-width
    // gives the same widths for what a terminal shows at a fraction of the cost.
    options.alias = { ...options.alias, 'string-width': require.resolve('fast-string-width') };
  },
});
