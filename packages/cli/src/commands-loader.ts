import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Commands } from './commands-bundle';
import { importByUrl } from './import-module';
import type { CliIo } from './io';

/**
 * Runs command `name` of the commands bundle (commands-bundle.ts) with
 * `flags`. The built CLI has the bundle beside this module as
 * `commands.cjs` and runs it through V8's code cache (code-cache.ts); from
 * source there is none, and the TypeScript module is imported instead.
 */
export async function runBundled<K extends keyof Commands>(
  name: K,
  flags: Parameters<Commands[K]>[0],
  io: CliIo,
): Promise<number> {
  const commands = await loadCommands(runKey(name, flags), io.env);
  return (commands[name] as (flags: unknown, io: CliIo) => Promise<number>)(flags, io);
}

/** A command, and whether it reads hosts (`--refresh` runs ssh2, a plan without it does not). */
function runKey(name: string, flags: unknown): string {
  const refresh =
    typeof flags === 'object' && flags !== null && (flags as { refresh?: unknown }).refresh === true;
  return refresh ? `${name}+refresh` : name;
}

let loaded: Promise<Commands> | undefined;

function loadCommands(key: string, env: Record<string, string | undefined>): Promise<Commands> {
  loaded ??= (async () => {
    const bundle = fileURLToPath(new URL('./commands.cjs', import.meta.url));
    if (!existsSync(bundle)) {
      // A computed specifier: the build must not bundle the sources into the ESM chunks too.
      const source = './commands-bundle';
      return ((await import(source)) as typeof import('./commands-bundle')).commands;
    }
    const { codeCacheDir, runBundle } = await import('./code-cache');
    const bundled = runBundle(bundle, { dir: codeCacheDir(env), runKey: key });
    const exports = bundled.exports as typeof import('./commands-bundle');
    // The bundle imports by URL as this side does (import-module.ts).
    exports.setImportModule(importByUrl);
    return exports.commands;
  })();
  return loaded;
}
