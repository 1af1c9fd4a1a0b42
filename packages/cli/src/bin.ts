#!/usr/bin/env -S node --
// `node --` ends node's own options: without it node reads `--env-file PATH`
// from our arguments too, and exits before stratum runs when PATH is missing.
// Kept free of static imports of code: on a Node too old for our dependencies
// the import itself would crash with a SyntaxError, so check the version first.
// (package.json is inlined by the bundler.)
import packageJson from '../package.json';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `Error: stratum needs Node.js 22 or newer; this is Node.js ${process.versions.node}.\nhint: install a current Node.js (for example \`npm install -g node@24\`) and retry.\n`,
  );
  process.exitCode = 1;
} else if (process.argv.length === 3 && process.argv[2] === '--version') {
  // Answered before anything is loaded: scripts and version checks call this often.
  process.stdout.write(`${packageJson.version}\n`);
} else {
  // Node's on-disk compile cache (Node >= 22.1): later starts skip compiling
  // stratum and its dependencies again. NODE_DISABLE_COMPILE_CACHE turns it off.
  // An unwritable directory only means no cache (Node reports it, not throws).
  import('node:module')
    .then((module) => module.enableCompileCache?.(compileCacheDir()))
    .catch(() => undefined)
    .then(() => {
      // A computed specifier, so the bundler leaves the import to run time.
      const entry = new URL('./start.js', import.meta.url).href;
      return import(entry);
    })
    .then(({ start }: typeof import('./start')) => start(process.argv.slice(2)))
    .then((code) => {
      process.exitCode = code;
    });
}

/**
 * The user's own cache directory rather than Node's default under the shared
 * temp dir, where another user's directory would leave this one without a
 * cache. NODE_COMPILE_CACHE still wins; without a home, Node's default.
 */
function compileCacheDir(): string | undefined {
  const env = process.env;
  if (env.NODE_COMPILE_CACHE) return env.NODE_COMPILE_CACHE;
  const cacheHome = env.XDG_CACHE_HOME || (env.HOME ? `${env.HOME}/.cache` : undefined);
  return cacheHome ? `${cacheHome}/stratum/compile-cache` : undefined;
}
