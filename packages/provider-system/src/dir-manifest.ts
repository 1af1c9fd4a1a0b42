import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { normalize, resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { StratumError } from '@stratum/core';
import type { TarEntry } from './tar-writer';
import {
  loadTreeDigests,
  type RememberedDigest,
  saveTreeDigests,
  type TreeDigests,
  treeDigestCacheFile,
} from './tree-digest-cache';

/** `{ relpath → sha256 }` of every regular file under a tree, relpaths with `/` separators. */
export type Manifest = Record<string, string>;

/**
 * Orders relpaths by their UTF-8 bytes, the order `LC_ALL=C sort` gives on the host.
 *
 * Compared by UTF-16 units up to the first difference, which is the same order
 * while neither unit there is a surrogate: UTF-8 bytes order code points, and
 * below U+D800 units are code points. Encoding both strings for every
 * comparison took 5 ms of each plan of a 500-file tree; a surrogate (a
 * character above U+FFFF, or a lone half, which UTF-8 writes as U+FFFD) at
 * the first difference goes by the bytes.
 */
export function compareRelpaths(a: string, b: string): number {
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (isSurrogate(x) || isSurrogate(y))
      return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
    return x < y ? -1 : 1;
  }
  // One is a prefix of the other, and so are their bytes (a trailing lone
  // surrogate is written as EF BF BD, below the F0-F4 of any pair it could start).
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function isSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdfff;
}

/**
 * The one digest of a manifest: sha256 of the UTF-8 text made of one line per
 * file, `<sha256>  <relpath>\n` (the `sha256sum` line format), ordered by
 * relpath bytes. The empty manifest digests the empty string.
 */
export function manifestDigest(manifest: Manifest): string {
  const hash = createHash('sha256');
  for (const relpath of Object.keys(manifest).sort(compareRelpaths)) {
    hash.update(`${manifest[relpath]}  ${relpath}\n`, 'utf8');
  }
  return hash.digest('hex');
}

/** A manifest as a plain object with its keys inserted in relpath order. */
export function sortedManifest(entries: Iterable<[string, string]>): Manifest {
  const out: Manifest = {};
  for (const [relpath, sha] of [...entries].sort(([a], [b]) => compareRelpaths(a, b))) out[relpath] = sha;
  return out;
}

/** A relpath that stays inside the directory it is relative to. */
export function isSafeRelpath(relpath: string): boolean {
  return (
    relpath !== '' &&
    !relpath.startsWith('/') &&
    !relpath.includes('\0') &&
    relpath.split('/').every((part) => part !== '' && part !== '.' && part !== '..')
  );
}

export interface LocalTree {
  /** Directories then files, each parent before its children, in relpath order. */
  entries: TarEntry[];
  manifest: Manifest;
  /** Symlinks, sockets and the like, which are not uploaded. */
  skipped: string[];
}

/** Files up to this size are read whole (one read instead of a stream's open/read/close events). */
const READ_WHOLE_BYTES = 1024 * 1024;
/** Files hashed at once: enough to keep the disk and the thread pool busy, few enough for the fd limit. */
const HASH_CONCURRENCY = 32;

/** Entries a tree walk reads between turns of the event loop (see walkLocalTree). */
const WALK_YIELD_EVERY = 256;

/**
 * Digests already computed in this process, by path, with the stat they were
 * computed for. A run reads a tree more than once (the plan compares it with
 * state, the apply records it, the self-check compares again); a file whose
 * inode, size, mtime and ctime are unchanged is not read again, as git's index
 * does. Any change to the file changes its ctime, so a stale digest is not
 * served. Between runs the same rule holds through {@link loadTreeDigests}.
 */
const digestsSeen = new Map<string, RememberedDigest>();

/** For tests: forget what this process hashed, as a new run would start. */
export function forgetDigestsSeen(): void {
  digestsSeen.clear();
}

/**
 * How long ago a file must have been last changed (its mtime and its ctime)
 * for its digest to be remembered: a file changed within the clock's tick
 * after it was read could keep its stamp ("racy git").
 */
const RACY_MS = 3000;

function statStamp(info: { ino: number; size: number; mtimeMs: number; ctimeMs: number }): string {
  return `${info.ino}:${info.size}:${info.mtimeMs}:${info.ctimeMs}`;
}

export interface TreeFile {
  relpath: string;
  full: string;
  size: number;
  stamp: string;
  /** The later of its mtime and ctime. */
  changedMs: number;
}

/** A file's sha256, from memory when its stamp is the one it was hashed at; `keep` gets what may be remembered. */
async function sha256OfFile(
  file: TreeFile,
  remembered: TreeDigests,
  keep: Map<string, RememberedDigest>,
  now: () => number,
): Promise<string> {
  const known = digestsSeen.get(file.full) ?? remembered.get(file.relpath);
  if (known?.stamp === file.stamp) {
    keep.set(file.relpath, known);
    return known.sha256;
  }
  const sha256 = await readSha256(file.full, file.size);
  if (now() - file.changedMs > RACY_MS) {
    const digest = { stamp: file.stamp, sha256 };
    digestsSeen.set(file.full, digest);
    keep.set(file.relpath, digest);
  }
  return sha256;
}

async function readSha256(path: string, size: number): Promise<string> {
  if (size <= READ_WHOLE_BYTES)
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/** What a walk of a local tree finds: tar entries, the regular files to hash, and what it skips. */
export interface WalkedTree {
  entries: TarEntry[];
  files: TreeFile[];
  skipped: string[];
}

/**
 * Walks `root` (an existing directory) without following symlinks, children
 * in manifest order.
 */
export async function walkLocalTree(root: string): Promise<WalkedTree> {
  const entries: TarEntry[] = [];
  const files: TreeFile[] = [];
  const skipped: string[] = [];
  // Synchronous calls, with a turn of the event loop every WALK_YIELD_EVERY
  // entries. A source tree is nearly always in the page cache, where a
  // synchronous lstat costs this thread the system call alone and a promise
  // one also a thread-pool round trip: measured here on a cached 500-file
  // tree, reading it (walk and remembered digests) took 24 ms with promises
  // and 15 ms this way. The turns keep a large tree's walk from holding up
  // what else this process is doing (other hosts' connections, keepalives).
  let sinceYield = 0;
  // Joined by hand below the root, which is normalized once: path.join
  // normalizes its whole result again for every entry (3 ms of 550).
  const base = normalize(root);
  const under = (dir: string, name: string) => (dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`);
  async function walk(dir: string, prefix: string): Promise<void> {
    const children = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      compareRelpaths(a.name, b.name),
    );
    sinceYield += children.length;
    if (sinceYield >= WALK_YIELD_EVERY) {
      sinceYield = 0;
      await nextTurn();
    }
    for (const child of children) {
      const relpath = prefix === '' ? child.name : `${prefix}/${child.name}`;
      const full = under(dir, child.name);
      const info = child.isDirectory() || child.isFile() ? lstatSync(full) : undefined;
      if (child.isDirectory() && info) {
        entries.push({ type: 'dir', path: relpath, mode: 0o755, mtime: info.mtimeMs / 1000 });
        await walk(full, relpath);
      } else if (child.isFile() && info) {
        entries.push({
          type: 'file',
          path: relpath,
          mode: 0o644,
          mtime: info.mtimeMs / 1000,
          size: info.size,
          source: full,
        });
        files.push({
          relpath,
          full,
          size: info.size,
          stamp: statStamp(info),
          changedMs: Math.max(info.mtimeMs, info.ctimeMs),
        });
      } else {
        skipped.push(relpath);
      }
    }
  }
  await walk(base, '');
  return { entries, files, skipped };
}

/** For tests: where the digests are kept between runs, and the clock the racy rule reads. */
export interface ReadTreeOptions {
  cacheFile?: string | undefined;
  now?: (() => number) | undefined;
}

/**
 * Walks `root` without following symlinks, hashing every regular file. Only
 * regular files and directories are uploaded; anything else is listed in
 * `skipped` for the caller to warn about.
 */
export async function readLocalTree(root: string, options: ReadTreeOptions = {}): Promise<LocalTree> {
  const rootStat = await lstat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    throw new StratumError('SourceDirMissing', `source_dir ${root} does not exist or is not a directory`, {
      hint: 'Point source_dir at an existing local directory (relative paths resolve from the .strat file).',
    });
  }
  const absoluteRoot = resolve(root);
  const cacheFile = options.cacheFile ?? treeDigestCacheFile(absoluteRoot);
  // Read in the thread pool while this thread walks the tree.
  const rememberedLoad = loadTreeDigests(absoluteRoot, cacheFile);
  const { entries, files, skipped } = await walkLocalTree(root);
  const remembered = await rememberedLoad;
  const keep = new Map<string, RememberedDigest>();
  const now = options.now ?? Date.now;
  // Hashed after the walk, many at once: one file at a time left the disk and
  // the thread pool idle between reads (≈ 90 ms for a 500-file tree).
  const hashes: [string, string][] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const index = next++;
      const file = files[index]!;
      hashes[index] = [file.relpath, await sha256OfFile(file, remembered, keep, now)];
    }
  };
  await Promise.all(Array.from({ length: Math.min(HASH_CONCURRENCY, files.length) }, worker));
  await saveTreeDigests(absoluteRoot, cacheFile, remembered, keep);
  return { entries, manifest: sortedManifest(hashes), skipped };
}

/** What `system_dir` records about a local tree: the fields a plan compares to state. */
export interface SourceDirSummary {
  file_count: number;
  manifest_sha256: string;
  manifest: Manifest;
}

/**
 * The manifest fields `system_dir` would record for `sourceDir`, computed
 * without touching any host. A planner can merge these into the desired attrs
 * so that editing a file in the source tree shows up as an update.
 */
export async function sourceDirSummary(sourceDir: string): Promise<SourceDirSummary> {
  const { manifest } = await readLocalTree(sourceDir);
  return { file_count: Object.keys(manifest).length, manifest_sha256: manifestDigest(manifest), manifest };
}
