import { existsSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Options } from 'tsup';

/**
 * Where zod lives at run time: one bundled copy, `@stratum/core/zod`
 * (packages/core/src/zod.ts). zod is some 95 ES modules (60 of them
 * locales, which the bundle leaves out), and Node pays a resolve, a stat, a
 * read and a compile for each at every start, so every package's
 * `import ... from 'zod'` is pointed at that one file instead. Sources and
 * types keep importing `zod`; only the build differs.
 */
export const SHARED_ZOD = '@stratum/core/zod';

/**
 * An esbuild plugin: `zod` imports become the external `@stratum/core/zod`,
 * except in the file that bundles zod itself (`bundlesZod`, core's src/zod.ts).
 * That bundle takes `z.locales` from `zod-locales.ts` beside it (English only;
 * see there) instead of zod's 60 translations.
 */
function sharedZod(bundlesZod?: string) {
  return {
    name: 'stratum-shared-zod',
    setup(build: { onResolve: (o: { filter: RegExp }, f: (a: { importer: string }) => unknown) => void }) {
      build.onResolve({ filter: /^zod$/ }, ({ importer }) =>
        bundlesZod && importer.endsWith(bundlesZod) ? undefined : { path: SHARED_ZOD, external: true },
      );
      if (!bundlesZod) return;
      const englishOnly = join(dirname(resolve(bundlesZod)), 'zod-locales.ts');
      // Both `z.locales` and `z.core.locales`.
      const namespaces = [join('zod', 'v4', 'classic', 'external.js'), join('zod', 'v4', 'core', 'index.js')];
      build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer }) =>
        namespaces.some((file) => importer.endsWith(file)) ? { path: englishOnly } : undefined,
      );
    },
  };
}

/**
 * The one build shape every publishable package shares: ESM + CJS + .d.ts,
 * dependencies left external (so two packages never carry two copies of core),
 * zod taken from core's one bundled copy (`SHARED_ZOD`).
 */
export function packageBuild(
  entry: Record<string, string> = { index: 'src/index.ts' },
  { bundlesZod }: { bundlesZod?: string } = {},
): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    // Typecheck resolves sibling packages to their sources (tsconfig `paths`);
    // declaration bundles must instead reference the published packages, so the
    // paths are dropped here and `@stratum/*` stays an external import.
    dts: { compilerOptions: { paths: {} } },
    clean: true,
    sourcemap: true,
    target: 'node22',
    platform: 'node',
    splitting: false,
    // tsup answers a dependency's import as external before any plugin sees it;
    // listing zod here lets sharedZod answer instead. A build that sets its own
    // `noExternal` must keep 'zod' in it.
    noExternal: ['zod'],
    esbuildPlugins: [sharedZod(bundlesZod) as never],
    plugins: [asciiOutput()],
  };
}

/**
 * Look-alikes for the characters our comments (and zod's) use, one ASCII
 * character for one UTF-16 unit; anything else becomes `?`.
 */
const ASCII_LOOKALIKE: Record<string, string> = {
  '\u2014': '-', // em dash
  '\u2013': '-', // en dash
  '\u2192': '>', // rightwards arrow
  '\u2190': '<',
  '\u21d2': '>',
  '\u2026': '.', // ellipsis
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u00d7': 'x',
  '\u2264': '<',
  '\u2265': '>',
  '\u2248': '~',
  '\u2260': '#',
  '\u00b7': '.',
  '\u2022': '*',
  '\u00e9': 'e',
  '\u00e8': 'e',
  '\u00a0': ' ',
};

/**
 * A tsup plugin: every emitted JavaScript file is pure ASCII. esbuild escapes
 * non-ASCII characters in code (its default `charset: 'ascii'`) but copies comments as
 * they are, and a single `—` in a comment makes V8 hold the whole file as a
 * two-byte string: a UTF-16 decode at every start, twice the memory, a slower
 * scan. Importing core's zod bundle took 42 → 36 ms on a 2-core VM once its
 * one `—` was gone. Each character is replaced per UTF-16 unit, so columns,
 * and the source maps with them, stay as they were. A non-ASCII character on
 * a line that holds no comment before it would mean esbuild left one in code:
 * the build fails rather than change what the code does.
 */
export function asciiOutput() {
  return {
    name: 'stratum-ascii-output',
    renderChunk(code: string, chunk: { path: string }) {
      if (!/[^\x00-\x7f]/.test(code)) return undefined;
      const lines = code.split('\n');
      for (const [index, line] of lines.entries()) {
        const first = line.search(/[^\x00-\x7f]/);
        if (first === -1) continue;
        const before = line.slice(0, first);
        if (!(before.includes('//') || before.includes('/*') || /^\s*\*/.test(before))) {
          throw new Error(
            `${chunk.path}:${index + 1}: a non-ASCII character outside a comment, or in a block comment line that does not start with \`*\`: escape it (\\u....) or start the line with \`*\``,
          );
        }
        lines[index] = line.replace(/[^\x00-\x7f]/g, (char) => ASCII_LOOKALIKE[char] ?? '?');
      }
      return { code: lines.join('\n') };
    },
  };
}

/** The directory of package `name` as Node finds it from `from`. */
function packageDir(name: string, from: string): string {
  const dir = findPackageDir(name, from);
  if (dir === undefined) throw new Error(`${name} not found from ${from}`);
  return dir;
}

function findPackageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Writes `dist/THIRD-PARTY-LICENSES.md`: the packages a build bundles
 * (`bundled`, found from `from`) and everything they depend on, each with its
 * licence text, because their MIT / ISC / Apache-2.0 licences ask that the
 * notice travel with the code. `instead` maps a package to the one the bundle
 * takes in its place (an esbuild alias).
 */
export function writeThirdPartyLicenses(
  bundled: string[],
  from: string,
  instead: Record<string, string> = {},
  /**
   * Directories of workspace packages bundled in as well: their third-party
   * dependencies, and what their own builds bundled (their THIRD-PARTY-LICENSES.md), are listed too.
   */
  workspacePackages: string[] = [],
): void {
  const seen = new Map<string, string>();
  const visit = (wanted: string, at: string) => {
    const name = instead[wanted] ?? wanted;
    const dir = packageDir(name, at);
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
  for (const name of bundled) visit(name, from);
  for (const dir of workspacePackages) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {}))
      if (!dep.startsWith('@stratum/')) visit(dep, dir);
    const listed = join(dir, 'dist', 'THIRD-PARTY-LICENSES.md');
    if (!existsSync(listed)) continue;
    // The list holds their dependencies too; those not found from `dir` are reached from the package that needs them.
    for (const [, name] of readFileSync(listed, 'utf8').matchAll(/^## ((?:@[^/\s]+\/)?[^@\s]+)@/gm)) {
      if (findPackageDir(name!, dir) !== undefined) visit(name!, dir);
    }
  }
  const sections = [...seen.values()].sort();
  writeFileSync(
    join(from, 'dist', 'THIRD-PARTY-LICENSES.md'),
    `# Third-party code in this package\n\nThe files in dist/ include the following packages, bundled by tsup.\n\n${sections.join('\n')}`,
  );
}
