import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared.ts';

const require = createRequire(import.meta.url);

const BUNDLED = ['yargs', 'import-meta-resolve'];
/** What the bundle takes instead of a package (see `alias` below). */
const INSTEAD: Record<string, string> = { 'string-width': 'fast-string-width' };

/** The directory of package `name` as Node finds it from `from`. */
function packageDir(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) throw new Error(`${name} not found from ${from}`);
  }
}

/**
 * The bundled packages and everything they depend on, with each one's licence
 * text: their MIT / ISC licences ask that the notice travel with the code.
 */
function thirdPartyLicenses(): string {
  const seen = new Map<string, string>();
  const visit = (wanted: string, from: string) => {
    const name = INSTEAD[wanted] ?? wanted;
    const dir = packageDir(name, from);
    if (seen.has(dir)) return;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    const text = file
      ? readFileSync(join(dir, file), 'utf8').trim()
      : `${manifest.license} (no licence file)`;
    seen.set(
      dir,
      `## ${manifest.name}@${manifest.version} (${manifest.license})\n\n\`\`\`\n${text}\n\`\`\`\n`,
    );
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep, dir);
  };
  for (const name of BUNDLED) visit(name, import.meta.dirname);
  const sections = [...seen.values()].sort();
  return `# Third-party code in this package\n\nThe files in dist/ include the following packages, bundled by tsup.\n\n${sections.join('\n')}`;
}

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
  noExternal: BUNDLED,
  esbuildOptions(options) {
    // string-width (under cliui and wrap-ansi, for the `--help` layout) builds
    // an Intl.Segmenter and an emoji regex per character; fast-string-width
    // gives the same widths for what a terminal shows at a fraction of the cost.
    options.alias = { ...options.alias, 'string-width': require.resolve(INSTEAD['string-width']!) };
  },
  onSuccess: async () => writeFileSync('dist/THIRD-PARTY-LICENSES.md', thirdPartyLicenses()),
});
