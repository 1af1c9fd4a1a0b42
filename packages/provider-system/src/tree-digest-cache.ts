import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * The digests of a local `source_dir` tree, kept between runs.
 *
 * Every `plan`, `plan --refresh` and `apply` compares a `system_dir`'s local
 * tree with what state recorded, so each used to read and hash every file of
 * it: for a 500-file tree most of a `plan`'s file work. As git's index does,
 * a file whose inode, size, mtime and ctime are what they were when it was
 * hashed is taken to hold what it held; any write to it changes its ctime,
 * which no one can set back. The cache is only an optimisation: a missing,
 * unreadable, foreign or corrupt cache file is no cache, and one that cannot
 * be written is skipped without a word.
 *
 * One file per tree, named by a digest of the tree's absolute path, under
 * `$XDG_CACHE_HOME/stratum/tree-digests` (`~/.cache/...` without it; the
 * compile cache's neighbour), at most {@link KEPT_TREES} of them. Each write
 * holds exactly the files of the tree as last read, so a file removed from
 * the tree leaves the cache with it. Deleting the directory is always safe.
 *
 * A digest taken from the cache decides whether a file is uploaded: one
 * planted there would hide an edit from plan and apply. So, as with the
 * CLI's code and parse caches, a cache directory or file that another user
 * owns, or that group or others may write to, is no cache.
 */

/**
 * Trees kept at most: one file per tree path, and a CI runner may check a
 * project out at a new path for every job. Past this many, the files
 * written longest ago go.
 */
export const KEPT_TREES = 128;

/** One remembered file: the stat it was hashed at and its sha256. */
export interface RememberedDigest {
  readonly stamp: string;
  readonly sha256: string;
}

/** relpath → what was remembered about it. */
export type TreeDigests = ReadonlyMap<string, RememberedDigest>;

const FORMAT = 1;

/** The cache file for the tree at `root` (absolute), or undefined when the user has no cache directory. */
export function treeDigestCacheFile(
  root: string,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const cacheHome = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  if (cacheHome === undefined) return undefined;
  const name = createHash('sha256').update(root, 'utf8').digest('hex').slice(0, 32);
  return join(cacheHome, 'stratum', 'tree-digests', `${name}.json`);
}

/** What the cache holds for `root`; empty when there is no usable cache file. */
export async function loadTreeDigests(root: string, file: string | undefined): Promise<TreeDigests> {
  const remembered = new Map<string, RememberedDigest>();
  if (file === undefined) return remembered;
  let parsed: unknown;
  try {
    const [dirPrivate, filePrivate, text] = await Promise.all([
      isPrivate(dirname(file)),
      isPrivate(file),
      readFile(file, 'utf8'),
    ]);
    if (!dirPrivate || !filePrivate) return remembered;
    parsed = JSON.parse(text);
  } catch {
    return remembered;
  }
  // Written by us, but read as untrusted: another version, a truncated write
  // or a hand edit must not yield a digest that is not a digest.
  if (typeof parsed !== 'object' || parsed === null) return remembered;
  const { format, root: cachedRoot, files } = parsed as Record<string, unknown>;
  if (format !== FORMAT || cachedRoot !== root || typeof files !== 'object' || files === null)
    return remembered;
  for (const [relpath, entry] of Object.entries(files)) {
    if (!Array.isArray(entry) || entry.length !== 2) continue;
    const [stamp, sha256] = entry as unknown[];
    if (typeof stamp === 'string' && typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256))
      remembered.set(relpath, { stamp, sha256 });
  }
  return remembered;
}

/**
 * Replaces the cache for `root` with `current` when it differs from
 * `previous` (what was loaded). Written to a temporary file and renamed, so a
 * reader never sees half of it; never throws.
 */
export async function saveTreeDigests(
  root: string,
  file: string | undefined,
  previous: TreeDigests,
  current: TreeDigests,
): Promise<void> {
  if (file === undefined || sameDigests(previous, current)) return;
  const files: Record<string, [string, string]> = {};
  for (const [relpath, { stamp, sha256 }] of current) files[relpath] = [stamp, sha256];
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
    await writeFile(temporary, JSON.stringify({ format: FORMAT, root, files }), { mode: 0o600 });
    await rename(temporary, file);
    await dropOldest(dirname(file), KEPT_TREES);
  } catch {
    await rm(temporary, { force: true }).catch(() => undefined);
  }
}

function sameDigests(a: TreeDigests, b: TreeDigests): boolean {
  if (a.size !== b.size) return false;
  for (const [relpath, entry] of a) {
    const other = b.get(relpath);
    if (other?.stamp !== entry.stamp || other.sha256 !== entry.sha256) return false;
  }
  return true;
}

/** Owned by this user and writable by no one else (see the top of this file). */
async function isPrivate(path: string): Promise<boolean> {
  try {
    const info = await stat(path);
    const owner = process.getuid?.();
    return (owner === undefined || info.uid === owner) && (info.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

async function dropOldest(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  if (names.length <= keep) return;
  const written = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      return { path, at: (await stat(path).catch(() => undefined))?.mtimeMs ?? 0 };
    }),
  );
  written.sort((a, b) => a.at - b.at);
  await Promise.all(written.slice(0, written.length - keep).map(({ path }) => rm(path, { force: true })));
}
