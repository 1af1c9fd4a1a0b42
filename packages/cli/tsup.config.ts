import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build, defineConfig, type Options } from 'tsup';
import { asciiOutput, packageBuild, writeThirdPartyLicenses } from '../../tsup.shared.ts';

const require = createRequire(import.meta.url);
/** core's one zod (dist/zod.cjs for require; its ES module dist/zod.js is beside it). */
const coreZod = require.resolve('@stratum/core/zod');

const BUNDLED = ['yargs', 'import-meta-resolve'];
/** What the bundle takes instead of a package (see `alias` below). */
const INSTEAD: Record<string, string> = { 'string-width': 'fast-string-width' };
// string-width (under cliui and wrap-ansi, for the `--help` layout) builds an
// Intl.Segmenter and an emoji regex per character; fast-string-width gives the
// same widths for what a terminal shows at a fraction of the cost.
const ALIAS = { 'string-width': require.resolve(INSTEAD['string-width']!) };

/** yargs' `import ... from 'assert'` takes src/yargs-assert.ts instead: see there. */
const yargsAssert: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'stratum-yargs-assert',
  setup(b) {
    b.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
      /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]/.test(args.importer)
        ? { path: join(import.meta.dirname, 'src', 'yargs-assert.ts') }
        : undefined,
    );
  },
};

/**
 * The program as users run it: dist/stratum.cjs, `main` with everything it
 * runs (yargs, the @stratum packages, zod, chevrotain, ssh2, pg) in one
 * CommonJS file, compiled through V8's code cache taken after a run
 * (src/code-cache.ts): most of a command's start was compiling functions
 * lazily again at every run, which the ES modules' compile cache cannot keep.
 * Each command's modules stay lazy inside it (`import('../run/...')`): a
 * command runs ssh2, the providers or chevrotain only when it uses them. The
 * library entry (`@stratum/cli`) and the @stratum packages stay ES modules,
 * shared with tools and third-party providers.
 */
const programBundle: Options = {
  ...commonJsFile(),
  entry: { stratum: 'src/main.ts' },
  // Everything but native add-ons, which ssh2 and pg only try to load (in a
  // try, and run without): left as `require`s, they fail there as they do
  // when the add-on was never built.
  noExternal: [/^(?!cpu-features$|pg-native$).*(?<!\.node)$/],
  external: ['cpu-features', 'pg-native', /\.node$/],
  inject: ['src/import-meta-shim.ts'],
  define: { 'import.meta.url': 'importMetaUrl' },
  esbuildOptions(options) {
    // `import()` as `require()`: a script compiled through node:vm (the code
    // cache) cannot import without an experimental loader. Modules imported by
    // URL at run time go through the CLI's own import (src/import-module.ts).
    options.supported = { ...options.supported, 'dynamic-import': false };
    options.alias = { ...options.alias, ...ALIAS };
  },
  esbuildPlugins: [
    yargsAssert,
    {
      // The CLI's own `zod` imports take the packages' one copy (core's English-only bundle),
      // its ES module: as CommonJS, each of the fifty modules importing it would copy its 400 exports.
      name: 'stratum-zod-from-core',
      setup(b) {
        b.onResolve({ filter: /^zod$/ }, () => ({ path: join(dirname(coreZod), 'zod.js') }));
      },
    },
  ],
};

/**
 * The `stratum` binary: dist/bin.cjs, the Node version check (bin.ts) and
 * what runs the program bundle (start.ts, code-cache.ts) in one small file.
 * CommonJS, because Node starts an ES module entry through its module
 * loader's asynchronous resolve, link and evaluate steps: ~3 ms of every run
 * for two files of a few kilobytes.
 */
const binBuild: Options = { ...commonJsFile(), entry: { bin: 'src/bin.ts' } };

const library = packageBuild({ index: 'src/index.ts' });

// The ES module: the library entry (`index`, for tools), split into chunks
// so that each command's modules load on its first call.
export default defineConfig({
  ...library,
  format: ['esm'],
  splitting: true,
  // Bundled, not installed: yargs is some twenty small modules (cliui, y18n,
  // yargs-parser, ...) and import-meta-resolve six, and every module costs
  // Node a resolve, a stat and a read at each start. Only the CLI uses them;
  // the @stratum packages stay external, shared with the providers, and zod
  // comes from core's one bundled copy (tsup.shared.ts).
  noExternal: [...BUNDLED, 'zod'],
  esbuildOptions(options) {
    options.alias = { ...options.alias, ...ALIAS };
  },
  esbuildPlugins: [...(library.esbuildPlugins ?? []), yargsAssert],
  // After the ES modules, not beside them: their build starts by emptying dist/.
  onSuccess: async () => {
    await Promise.all([build(programBundle), build(binBuild)]);
    writeThirdPartyLicenses(BUNDLED, import.meta.dirname, INSTEAD, bundledPackageDirs());
  },
});

/** What the two CommonJS files share: one `.cjs` file each, built after the ES modules (onSuccess). */
function commonJsFile(): Options {
  return {
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    target: 'node22',
    platform: 'node',
    splitting: false,
    sourcemap: true,
    dts: false,
    clean: false,
    config: false,
    // The loader reads the program bundle as latin1, which is its exact text only when it is ASCII.
    plugins: [asciiOutput()],
  };
}

/** The @stratum packages the program bundle holds, by directory (their dependencies are in it too). */
function bundledPackageDirs(): string[] {
  const manifest = require('./package.json') as { dependencies: Record<string, string> };
  return Object.keys(manifest.dependencies)
    .filter((name) => name.startsWith('@stratum/'))
    .map((name) => join(import.meta.dirname, '..', name.slice('@stratum/'.length)));
}
