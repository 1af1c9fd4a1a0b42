import { fileURLToPath } from 'node:url';
import { codeCacheDir, runBundle } from './code-cache';

/**
 * What `stratum` runs once bin.ts has checked the Node version: `main` from
 * dist/main.cjs, the CLI's front (yargs and the command definitions) bundled
 * as one CommonJS file and compiled through the code cache (code-cache.ts),
 * as the commands it runs are (commands-loader.ts).
 */
export function start(argv: string[]): Promise<number> {
  const file = fileURLToPath(new URL('./main.cjs', import.meta.url));
  const front = runBundle(file, { dir: codeCacheDir(process.env), runKey: frontKey(argv) })
    .exports as typeof import('./main');
  // A bundle's own `import()` became `require()` (see import-module.ts): it imports through this module's.
  front.setImportModule((specifier) => import(specifier));
  return front.main(argv);
}

/** The command word (`plan`, `--help`): the front compiles some of each command's own code. */
function frontKey(argv: readonly string[]): string {
  const word = argv[0] ?? '';
  return /^-{0,2}[a-z][a-z-]{0,30}$/.test(word) ? word : '?';
}
