import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

/**
 * Runs a CommonJS bundle with V8's code cache taken after a run, not before.
 *
 * Node's own compile cache (`module.enableCompileCache`) stores a module's
 * code as it is right after compiling: its top level only. Every function is
 * compiled lazily, on its first call, at every start: for a `plan` of issue
 * 12's workload that was ~55 ms of the ~180 ms run. V8 can serialize a script
 * after it ran (`createCachedData`), with every function compiled so far, so
 * the next start deserializes them instead. Only a script compiled through
 * `node:vm` offers that, hence a CommonJS bundle compiled here.
 *
 * One cache per kind of run (`runKey`: `plan`, `plan+refresh`, `--help`),
 * holding what such a run compiles and no more, since deserializing costs by
 * the byte (`--help` would otherwise read `apply`'s ssh client). It is written
 * at exit by a run that found none (or one V8 rejected) and succeeded: a run
 * that stopped at its first error compiled too little to keep. A cache belongs
 * to a bundle file (its path, size, mtime and inode: V8 itself checks only the
 * source's length) and a Node (V8 checks its version and flags and rejects a
 * cache that does not fit); a new install's caches replace the old one's.
 * Writing is atomic (a temp file renamed) and best effort: a cache that cannot
 * be read or written only means a slower start, never a failed command. Only
 * a cache directory and file that are the user's alone are read (privacy()).
 */

/** Options of {@link runBundle}. */
export interface CodeCacheOptions {
  /** Where caches are kept; `undefined` runs the bundle without one. */
  readonly dir: string | undefined;
  /** What kind of run this is (`plan+refresh`): runs of one kind share a cache. */
  readonly runKey: string;
}

/** `~/.cache/stratum/code-cache` (see {@link stratumCacheDir}). */
export function codeCacheDir(env: Record<string, string | undefined>): string | undefined {
  return stratumCacheDir(env, 'code-cache');
}

/** What became of the cache: none kept (`off`), none yet, or V8 took it or threw it away. */
export type CacheUse = 'off' | 'none' | 'accepted' | 'rejected';

/** Exit codes of a run whose cache is worth keeping: success, and `plan --detailed-exitcode`'s "changes". */
const SUCCEEDED = new Set([0, 2]);

/** Runs the CommonJS bundle `file` in this context: its exports, and how the cache served. */
export function runBundle(
  file: string,
  options: CodeCacheOptions,
): { exports: Record<string, unknown>; cache: CacheUse } {
  // The build checks that the bundle is ASCII (tsup.config.ts): latin1 is then its exact text, and cheaper to decode.
  const source = readFileSync(file, 'latin1');
  const dir = options.dir === undefined ? 'off' : privacy(options.dir);
  // A directory others may write to is not used at all (see privacy()).
  const cache =
    options.dir === undefined || dir === 'shared' ? undefined : cachePaths(options.dir, file, options.runKey);
  const cachedData =
    cache === undefined || dir !== 'private' || privacy(cache.data) !== 'private'
      ? undefined
      : readOrUndefined(cache.data);
  // No `importModuleDynamically`: the bundle has no `import()` left (tsup.config.ts).
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  const use: CacheUse =
    cache === undefined
      ? 'off'
      : cachedData === undefined
        ? 'none'
        : script.cachedDataRejected === true
          ? 'rejected'
          : 'accepted';
  if (cache !== undefined && use !== 'accepted') {
    process.once('exit', (code) => {
      if (SUCCEEDED.has(code)) writeCache(script, cache);
    });
  }
  const module = { exports: {} as Record<string, unknown> };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, cache: use };
}

/** The bundle as Node wraps a CommonJS module: the same five free variables. */
function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
}

interface CachePaths {
  readonly dir: string;
  /** File names of this bundle's caches start with this, whatever its build. */
  readonly bundle: string;
  /** ... and of this build's, with this. */
  readonly build: string;
  readonly data: string;
}

/**
 * Where the cache of `file`'s runs of kind `runKey` lives in `dir`. The name
 * holds the bundle's path (so that two installs of stratum keep a cache
 * each), what identifies its content (size, mtime, inode), the Node that
 * compiled it, and the run key.
 */
export function cachePaths(dir: string, file: string, runKey: string): CachePaths {
  const bundle = safe(`${basename(file)}-${hashPath(file)}-`);
  const build = `${bundle}${safe(buildOf(file))}-`;
  return { dir, bundle, build, data: join(dir, `${build}${safe(runKey)}.v8`) };
}

/** What tells one build of `file`, run by this Node, from another: the Node, and the file's size, mtime and inode. */
export function buildOf(file: string): string {
  const info = statSync(file);
  return `${process.version}-${process.arch}-${info.size}-${Math.trunc(info.mtimeMs)}-${info.ino}`;
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._+-]/g, '_');
}

/** FNV-1a of the path, in hex: short, stable, and no crypto to load at start. */
function hashPath(path: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) {
    hash ^= path.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically and drops the caches of this bundle's other builds; never throws. */
function writeCache(script: vm.Script, cache: CachePaths): void {
  try {
    const data = script.createCachedData();
    mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
    atomicWrite(cache.data, data);
    for (const name of readdirSync(cache.dir)) {
      if (name.startsWith(cache.bundle) && !name.startsWith(cache.build))
        rmSync(join(cache.dir, name), { force: true });
    }
  } catch {
    // No cache: the next start compiles again, as it would have without one.
  }
}

// What stratum's caches on disk share (this one and parse-cache.ts): where
// they live, which files may be read, and how one is written. Here, and not
// in a module of their own, because this file imports nothing but Node's
// own modules (its tests run it as it is).

/**
 * `~/.cache/stratum/NAME` (or under XDG_CACHE_HOME), beside Node's compile
 * cache; NODE_DISABLE_COMPILE_CACHE turns them all off. Without a home
 * directory, none.
 */
export function stratumCacheDir(env: Record<string, string | undefined>, name: string): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const cacheHome = env.XDG_CACHE_HOME || (env.HOME ? `${env.HOME}/.cache` : undefined);
  return cacheHome ? `${cacheHome}/stratum/${name}` : undefined;
}

/**
 * Whether `path` is this user's alone: owned by them, and writable by no one
 * else. What a cache holds is taken as it is (V8 runs a code cache unchecked;
 * a syntax tree decides what an apply does), so a cache someone else could
 * have written would be their code, or their config, run as this user (a
 * cache home on a shared disk, a directory left group-writable).
 */
export function privacy(path: string): 'private' | 'shared' | 'missing' {
  let info: ReturnType<typeof statSync>;
  try {
    info = statSync(path);
  } catch {
    return 'missing';
  }
  const owner = process.getuid?.();
  if (owner !== undefined && info.uid !== owner) return 'shared';
  return (info.mode & 0o022) === 0 ? 'private' : 'shared';
}

/** Writes `path` whole or not at all (a temp file renamed), readable by this user alone. */
export function atomicWrite(path: string, data: Uint8Array | string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
}
