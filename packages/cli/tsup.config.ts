import { createRequire } from 'node:module';
import { defineConfig } from 'tsup';
import { packageBuild, writeThirdPartyLicenses } from '../../tsup.shared.ts';

const require = createRequire(import.meta.url);

const BUNDLED = ['yargs', 'import-meta-resolve'];
/** What the bundle takes instead of a package (see `alias` below). */
const INSTEAD: Record<string, string> = { 'string-width': 'fast-string-width' };

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
  // the @stratum packages stay external, shared with the providers, and zod
  // comes from core's one bundled copy (tsup.shared.ts).
  noExternal: [...BUNDLED, 'zod'],
  esbuildOptions(options) {
    // string-width (under cliui and wrap-ansi, for the `--help` layout) builds
    // an Intl.Segmenter and an emoji regex per character; fast-string-width
    // gives the same widths for what a terminal shows at a fraction of the cost.
    options.alias = { ...options.alias, 'string-width': require.resolve(INSTEAD['string-width']!) };
  },
  onSuccess: async () => writeThirdPartyLicenses(BUNDLED, import.meta.dirname, INSTEAD),
});
