import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { forgetDigestsSeen, type ReadTreeOptions, readLocalTree, walkLocalTree } from './dir-manifest';
import { KEPT_TREES, treeDigestCacheFile } from './tree-digest-cache';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'stratum-manifest-'));
  roots.push(root);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
  return root;
}

/** One time in the past, beyond the window in which a digest is not remembered. */
const PAST = new Date(Date.now() - 60_000);

/**
 * Options for reading `root` as a run a minute from now would: its files are
 * then old enough to be remembered. The cache file sits in a temp dir of its own.
 */
function later(root: string): ReadTreeOptions & { cacheFile: string } {
  const cacheHome = mkdtempSync(join(tmpdir(), 'stratum-cache-'));
  roots.push(cacheHome);
  const cacheFile = treeDigestCacheFile(root, { XDG_CACHE_HOME: cacheHome });
  if (cacheFile === undefined) throw new Error('no cache file');
  return { cacheFile, now: () => Date.now() + 60_000 };
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function cached(cacheFile: string): Record<string, [string, string]> {
  return JSON.parse(readFileSync(cacheFile, 'utf8')).files;
}

/** Dates a file back to PAST. */
function age(path: string): void {
  utimesSync(path, PAST, PAST);
}

describe('readLocalTree digests', () => {
  it('reads a tree again the same, and sees a same-size edit to a remembered file', async () => {
    const root = tree({ a: 'one\n', b: 'two\n' });
    age(join(root, 'a'));
    age(join(root, 'b'));
    const options = later(root);
    const first = await readLocalTree(root, options);
    expect((await readLocalTree(root, options)).manifest).toEqual(first.manifest);

    // Same size, and the mtime set back to what it was: only the ctime tells.
    writeFileSync(join(root, 'a'), 'ONE\n');
    age(join(root, 'a'));
    const edited = await readLocalTree(root, options);
    expect(edited.manifest.a).not.toBe(first.manifest.a);
    expect(edited.manifest.b).toBe(first.manifest.b);
  });
});

describe('readLocalTree digests kept between runs', () => {
  /** The cache file with `a`'s digest replaced by one that is not its content's. */
  function plant(cacheFile: string, root: string, digest: string): void {
    const files = cached(cacheFile);
    writeFileSync(
      cacheFile,
      JSON.stringify({ format: 1, root, files: { ...files, a: [files.a?.[0], digest] } }),
    );
  }

  it('keeps every file of the tree, and the next run takes a kept digest while the stat is unchanged', async () => {
    const root = tree({ a: 'one\n', b: 'two\n' });
    const options = later(root);
    await readLocalTree(root, options);
    const kept = cached(options.cacheFile);
    expect(Object.keys(kept).sort()).toEqual(['a', 'b']);
    expect(kept.a?.[1]).toBe(sha('one\n'));
    expect(kept.b?.[1]).toBe(sha('two\n'));

    // A digest planted in the cache is what the next run uses: the file is not read again.
    plant(options.cacheFile, root, sha('planted'));
    forgetDigestsSeen();
    expect((await readLocalTree(root, options)).manifest.a).toBe(sha('planted'));
  });

  it('reads a file again once its stat changed, whatever the cache says', async () => {
    const root = tree({ a: 'one\n', b: 'two\n' });
    const options = later(root);
    await readLocalTree(root, options);
    plant(options.cacheFile, root, sha('planted'));
    forgetDigestsSeen();
    writeFileSync(join(root, 'a'), 'ONE\n');
    age(join(root, 'a'));
    const read = await readLocalTree(root, options);
    expect(read.manifest.a).toBe(sha('ONE\n'));
    expect(cached(options.cacheFile).a?.[1]).toBe(sha('ONE\n'));
  });

  it('does not keep a file changed in the last seconds', async () => {
    const root = tree({ a: 'one\n' });
    const options = { ...later(root), now: Date.now };
    expect((await readLocalTree(root, options)).manifest.a).toBe(sha('one\n'));
    expect(existsSync(options.cacheFile)).toBe(false);
  });

  it('does not keep a file changed in the last seconds whose mtime was set back (its ctime tells)', async () => {
    const root = tree({ a: 'one\n' });
    age(join(root, 'a'));
    const options = { ...later(root), now: Date.now };
    await readLocalTree(root, options);
    expect(existsSync(options.cacheFile)).toBe(false);
  });

  it('forgets a file that left the tree', async () => {
    const root = tree({ a: 'one\n', b: 'two\n' });
    const options = later(root);
    await readLocalTree(root, options);
    rmSync(join(root, 'b'));
    await readLocalTree(root, options);
    expect(Object.keys(cached(options.cacheFile))).toEqual(['a']);
  });

  it.each([
    ['not JSON', () => '{"format": 1, "ro'],
    ['another format', (root: string) => JSON.stringify({ format: 2, root, files: {} })],
    ['another tree', () => JSON.stringify({ format: 1, root: '/elsewhere', files: { a: ['x', sha('x')] } })],
  ])('ignores a cache file that is %s, and writes a good one', async (_, content) => {
    const root = tree({ a: 'one\n' });
    const options = later(root);
    await readLocalTree(root, options);
    const stamp = cached(options.cacheFile).a?.[0];
    writeFileSync(options.cacheFile, content(root));
    forgetDigestsSeen();
    expect((await readLocalTree(root, options)).manifest.a).toBe(sha('one\n'));
    expect(cached(options.cacheFile)).toEqual({ a: [stamp, sha('one\n')] });
  });

  it('ignores an entry whose digest is not a sha256', async () => {
    const root = tree({ a: 'one\n' });
    const options = later(root);
    await readLocalTree(root, options);
    plant(options.cacheFile, root, 'not-a-digest');
    forgetDigestsSeen();
    expect((await readLocalTree(root, options)).manifest.a).toBe(sha('one\n'));
  });

  it('takes no digest from a cache file or directory others may write to, or another user owns', async () => {
    const root = tree({ a: 'one\n', b: 'two\n' });
    const options = later(root);
    const dir = dirname(options.cacheFile);
    await readLocalTree(root, options);
    const unsafe: [string, () => void, () => void][] = [
      ['a file others may write', () => chmodSync(options.cacheFile, 0o666), () => {}],
      ['a directory others may write', () => chmodSync(dir, 0o777), () => chmodSync(dir, 0o700)],
      ['a file another user owns', () => chownSync(options.cacheFile, 65534, 65534), () => {}],
    ];
    for (const [what, make, undo] of unsafe) {
      plant(options.cacheFile, root, sha('planted'));
      make();
      forgetDigestsSeen();
      expect((await readLocalTree(root, options)).manifest.a, what).toBe(sha('one\n'));
      undo();
    }
    // And the same planted digest in a private file is taken (the check above is what refused it).
    plant(options.cacheFile, root, sha('planted'));
    forgetDigestsSeen();
    expect((await readLocalTree(root, options)).manifest.a).toBe(sha('planted'));
  });

  it(`keeps at most ${KEPT_TREES} trees, dropping those written longest ago`, async () => {
    const cacheHome = mkdtempSync(join(tmpdir(), 'stratum-cache-'));
    roots.push(cacheHome);
    const trees = Array.from({ length: KEPT_TREES + 2 }, () => tree({ a: 'one\n' }));
    const files = trees.map((root) => treeDigestCacheFile(root, { XDG_CACHE_HOME: cacheHome })!);
    for (const [i, root] of trees.entries()) {
      await readLocalTree(root, { cacheFile: files[i], now: () => Date.now() + 60_000 });
      // Written a second apart, oldest first, whatever the clock's resolution.
      utimesSync(files[i]!, 1_000_000 + i, 1_000_000 + i);
    }
    expect(readdirSync(dirname(files[0]!))).toHaveLength(KEPT_TREES);
    expect(files.map((file) => existsSync(file))).toEqual([false, false, ...Array(KEPT_TREES).fill(true)]);
  });

  it('reads the tree as ever when the cache cannot be written', async () => {
    const root = tree({ a: 'one\n' });
    const blocker = join(tree({ file: '' }), 'file');
    const options = { cacheFile: join(blocker, 'tree.json'), now: () => Date.now() + 60_000 };
    expect((await readLocalTree(root, options)).manifest.a).toBe(sha('one\n'));
  });
});

describe('treeDigestCacheFile', () => {
  it('is under XDG_CACHE_HOME, else ~/.cache, else nowhere', () => {
    expect(treeDigestCacheFile('/srv/site', { XDG_CACHE_HOME: '/c', HOME: '/h' })).toMatch(
      /^\/c\/stratum\/tree-digests\/[0-9a-f]{32}\.json$/,
    );
    expect(treeDigestCacheFile('/srv/site', { HOME: '/h' })).toMatch(
      /^\/h\/\.cache\/stratum\/tree-digests\//,
    );
    expect(treeDigestCacheFile('/srv/site', {})).toBeUndefined();
    expect(treeDigestCacheFile('/srv/a', { HOME: '/h' })).not.toBe(
      treeDigestCacheFile('/srv/b', { HOME: '/h' }),
    );
  });
});

describe('walkLocalTree', () => {
  /** 20 directories of 30 files: 620 entries, more than one walk reads between turns of the event loop. */
  function wideTree(): string {
    const root = mkdtempSync(join(tmpdir(), 'stratum-walk-'));
    roots.push(root);
    for (let d = 0; d < 20; d++) {
      mkdirSync(join(root, `d${String(d).padStart(2, '0')}`));
      for (let f = 0; f < 30; f++)
        writeFileSync(join(root, `d${String(d).padStart(2, '0')}`, `f${f}`), `${d}/${f}`);
    }
    return root;
  }

  it('finds every directory and file, in manifest order', async () => {
    const walked = await walkLocalTree(wideTree());
    expect(walked.files).toHaveLength(600);
    expect(walked.entries.filter((entry) => entry.type === 'dir')).toHaveLength(20);
    expect(walked.entries[0]).toMatchObject({ type: 'dir', path: 'd00' });
    expect(walked.entries[1]).toMatchObject({ type: 'file', path: 'd00/f0', size: 3 });
    expect(walked.files.map((file) => file.relpath).slice(0, 3)).toEqual(['d00/f0', 'd00/f1', 'd00/f10']);
    expect(walked.skipped).toEqual([]);
  });

  it('gives each file its path below the root however the root is written', async () => {
    const root = wideTree();
    const expected = join(root, 'd03', 'f7');
    for (const written of [root, `${root}/`, `${root}//`, `${root}/./d00/..`]) {
      const walked = await walkLocalTree(written);
      expect(walked.files.map((file) => file.full)).toContain(expected);
      expect(walked.files.every((file) => existsSync(file.full))).toBe(true);
    }
    const fromHere = await walkLocalTree(`./${relative(process.cwd(), root)}/`);
    expect(fromHere.files.find((file) => file.relpath === 'd03/f7')?.full).toBe(
      relative(process.cwd(), expected),
    );
  });

  it('lets the event loop turn while it walks a large tree, so other connections are not held up', async () => {
    const root = wideTree();
    let turns = 0;
    let walking = true;
    const tick = () => {
      if (!walking) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    // Its calls are synchronous: without its own turns the walk would finish before the first tick.
    await walkLocalTree(root);
    walking = false;
    expect(turns).toBeGreaterThanOrEqual(2);
  });
});
