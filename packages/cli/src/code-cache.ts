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
 * 12's workload that was ~55 ms of the ~170 ms run. V8 can serialize a script
 * after it ran (`createCachedData`), with every function compiled so far, so
 * the next start deserializes them instead (measured: `plan` 170 -> 133 ms,
 * `validate` 144 -> 113 ms). Only a script compiled through `node:vm` offers
 * that, hence a CommonJS bundle compiled here.
 *
 * The cache is per user (`dir`), per bundle file (its path, size, mtime and
 * inode: V8 itself checks only the source's length) and per Node (V8 checks its
 * version and flags and rejects a cache that does not fit). It is written at
 * exit when there was none, when V8 rejected it, or when this run did something
 * (`runKey`) no earlier write covered: the first `plan --refresh` compiles the
 * ssh client a `plan` never reached. Writing is atomic (a temp file renamed)
 * and best effort: a cache that cannot be read or written only means a slower
 * start, never a failed command. Only a cache directory and file that are the
 * user's alone are read (privacy() below).
 */

/** Options of {@link runBundle}. */
export interface CodeCacheOptions {
  /** Where caches are kept; `undefined` runs the bundle without one. */
  readonly dir: string | undefined;
  /** What this run does (a command, `+refresh`): a run key the cache has not seen yet has it written again. */
  readonly runKey: string;
}

/**
 * `~/.cache/stratum/code-cache` (or under XDG_CACHE_HOME), beside Node's
 * compile cache; NODE_DISABLE_COMPILE_CACHE turns both off. Without a home
 * directory, no cache.
 */
export function codeCacheDir(env: Record<string, string | undefined>): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const cacheHome = env.XDG_CACHE_HOME || (env.HOME ? `${env.HOME}/.cache` : undefined);
  return cacheHome ? `${cacheHome}/stratum/code-cache` : undefined;
}

/** Run keys kept per cache; past this, new keys no longer rewrite it (a bound, should keys ever come from input). */
const MAX_RUN_KEYS = 64;

/** What became of the cache: none kept (`off`), none yet, or V8 took it or threw it away. */
export type CacheUse = 'off' | 'none' | 'accepted' | 'rejected';

/** Runs the CommonJS bundle `file` in this context: its exports, and how the cache served. */
export function runBundle(
  file: string,
  options: CodeCacheOptions,
): { exports: Record<string, unknown>; cache: CacheUse } {
  // The build checks that the bundle is ASCII (tsup.config.ts): latin1 is then its exact text, and cheaper to decode.
  const source = readFileSync(file, 'latin1');
  const dir = options.dir === undefined ? undefined : privacy(options.dir);
  // A directory others may write to is not used at all (see privacy()).
  const cache = options.dir === undefined || dir === 'shared' ? undefined : cachePaths(options.dir, file);
  const cachedData =
    cache === undefined || dir !== 'private' || privacy(cache.data) !== 'private'
      ? undefined
      : readOrUndefined(cache.data);
  const seen = cache === undefined || cachedData === undefined ? [] : readRunKeys(cache.keys);
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
  if (cache !== undefined) {
    const fresh = use !== 'accepted';
    if (fresh || (!seen.includes(options.runKey) && seen.length < MAX_RUN_KEYS)) {
      const keys = fresh ? [options.runKey] : [...seen, options.runKey];
      // An accepted cache is only ever replaced by a larger one (see writeCache).
      const floor = fresh ? 0 : (cachedData?.length ?? 0);
      process.once('exit', () => writeCache(script, cache, keys, floor));
    }
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
  /** File names of this bundle's caches start with this (whatever its version). */
  readonly prefix: string;
  readonly data: string;
  readonly keys: string;
}

/**
 * Where `file`'s cache lives in `dir`. The name holds what identifies the
 * bundle's content (size, mtime, inode) and the Node that compiled it; its
 * prefix names the bundle's path, so that two installs of stratum keep a cache
 * each and an upgrade replaces its own.
 */
export function cachePaths(dir: string, file: string): CachePaths {
  const info = statSync(file);
  const prefix = `${basename(file)}-${hashPath(file)}-`;
  const identity = `${process.version}-${process.arch}-${info.size}-${Math.trunc(info.mtimeMs)}-${info.ino}`;
  const name = `${prefix}${identity}`.replace(/[^A-Za-z0-9._-]/g, '_');
  return { dir, prefix, data: join(dir, `${name}.v8`), keys: join(dir, `${name}.runs`) };
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

/**
 * Whether `path` is this user's alone: owned by them, and writable by no one
 * else. V8 runs what a code cache holds without checking it, so a cache
 * someone else could have written would be their code run as this user (a
 * cache home on a shared disk, a directory left group-writable).
 */
function privacy(path: string): 'private' | 'shared' | 'missing' {
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

function readOrUndefined(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function readRunKeys(path: string): string[] {
  try {
    const keys: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Writes the cache (and its run keys) atomically and drops this bundle's older
 * caches; never throws. The data is written only when it is at least
 * `floorBytes`: a cache of the same bundle holds what it held plus what this
 * run compiled, unless V8 dropped the bytecode of functions this run never
 * called (it does after a few full collections), and then the one on disk is
 * the better one to keep.
 */
function writeCache(script: vm.Script, cache: CachePaths, keys: readonly string[], floorBytes: number): void {
  try {
    const data = script.createCachedData();
    mkdirSync(cache.dir, { recursive: true, mode: 0o700 });
    // Data first: keys without their data would claim runs the cache lacks.
    if (data.length >= floorBytes) atomicWrite(cache.data, data);
    atomicWrite(cache.keys, JSON.stringify(keys));
    for (const name of readdirSync(cache.dir)) {
      const path = join(cache.dir, name);
      if (name.startsWith(cache.prefix) && path !== cache.data && path !== cache.keys)
        rmSync(path, { force: true });
    }
  } catch {
    // No cache: the next start compiles again, as it would have without one.
  }
}

function atomicWrite(path: string, data: string | Uint8Array): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
}
