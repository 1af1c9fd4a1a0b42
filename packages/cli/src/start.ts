import { enableCompileCache } from 'node:module';
import { buildOf, codeCacheDir, runBundle, stratumCacheDir } from './code-cache';
import { COMMANDS, STATE_SUBCOMMANDS } from './command-names';

/**
 * What `stratum` runs once bin.ts has checked the Node version: `main` from
 * `bundle` (dist/stratum.cjs), the whole program bundled as one CommonJS file
 * (each command's modules run on its first call) and compiled through V8's
 * code cache (code-cache.ts).
 */
export function start(argv: string[], bundle: string): Promise<number> {
  // Node's on-disk compile cache (Node >= 22.1) for the ES modules a run
  // imports: a project's third-party providers. In the user's own cache
  // directory rather than Node's default under the shared temp dir, where
  // another user's directory would leave this one without a cache;
  // NODE_COMPILE_CACHE still wins, NODE_DISABLE_COMPILE_CACHE turns it off.
  // An unwritable directory only means no cache (Node reports it, not throws).
  enableCompileCache?.(process.env.NODE_COMPILE_CACHE || stratumCacheDir(process.env, 'compile-cache'));
  const program = runBundle(bundle, { dir: codeCacheDir(process.env), runKey: runKeyOf(argv) })
    .exports as typeof import('./main');
  // The bundle's own `import()` became `require()` (see import-module.ts): it imports through this one,
  // which the bin's build keeps a real `import()`.
  program.setImportModule((specifier) => import(specifier));
  const parseCache = stratumCacheDir(process.env, 'parse-cache');
  if (parseCache !== undefined) program.useParseCache(parseCache, buildOf(bundle));
  return program.main(argv);
}

/**
 * The kind of run `argv` asks for, which names its code cache: the command
 * (`state` with its subcommand), `+refresh` when it reads hosts (ssh2 is
 * much of what it compiles), or the first flag when there is no command
 * (`--help`). Taken from the words alone: the flags' values are never
 * compiled code.
 */
export function runKeyOf(argv: readonly string[]): string {
  const at = argv.findIndex((word) => COMMANDS.includes(word));
  if (at === -1) return argv[0]?.startsWith('-') && /^-{1,2}[a-z-]{1,20}$/.test(argv[0]) ? argv[0] : 'none';
  const next = argv[at + 1];
  const command =
    argv[at] === 'state' && (STATE_SUBCOMMANDS as readonly string[]).includes(next ?? '')
      ? `state-${next}`
      : argv[at]!;
  return argv.includes('--refresh') ? `${command}+refresh` : command;
}
