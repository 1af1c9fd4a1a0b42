import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachePaths, codeCacheDir } from './code-cache';

/**
 * The code cache through real processes: each run is a Node process that runs
 * a bundle through `runBundle` and exits, which is when the cache is written.
 * Node strips code-cache.ts's types itself; it imports only Node's modules.
 */
const MODULE = fileURLToPath(new URL('./code-cache.ts', import.meta.url));

let dir: string;
let bundle: string;
let cacheDir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stratum-code-cache-'));
  bundle = join(dir, 'bundle.cjs');
  cacheDir = join(dir, 'cache');
  writeBundle('exports.answer = () => [1, 2, 3].map((n) => n * 14).reduce((a, b) => a + b, 0);');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function writeBundle(source: string): void {
  writeFileSync(bundle, source);
}

/**
 * Runs the bundle once, in a process of its own: its answer and how the cache
 * served. `exitCode` is the run's (a failed command's is 1).
 */
function run(
  runKey: string,
  cache: string | null = cacheDir,
  { exitCode = 0 }: { exitCode?: number } = {},
): { answer: number; cache: string } {
  const script = `const { runBundle } = await import(${JSON.stringify(MODULE)});
    const run = runBundle(${JSON.stringify(bundle)}, { dir: ${JSON.stringify(cache ?? undefined)}, runKey: ${JSON.stringify(runKey)} });
    console.log(JSON.stringify({ answer: run.exports.answer(), cache: run.cache }));
    process.exitCode = ${exitCode};`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(exitCode);
  return JSON.parse(child.stdout);
}

const cacheFiles = () => readdirSync(cacheDir).sort();
const dataFile = (runKey = 'plan') => cachePaths(cacheDir, bundle, runKey).data;

describe('runBundle', () => {
  it('writes the cache after the first run and runs from it after that', () => {
    expect(run('plan')).toEqual({ answer: 84, cache: 'none' });
    expect(cacheFiles()).toEqual([expect.stringMatching(/-plan\.v8$/)]);
    expect(statSync(dataFile()).size).toBeGreaterThan(0);
    const written = statSync(dataFile()).mtimeMs;
    expect(run('plan')).toEqual({ answer: 84, cache: 'accepted' });
    // A cache V8 took is not written again.
    expect(statSync(dataFile()).mtimeMs).toBe(written);
  });

  it('keeps a cache per kind of run', () => {
    run('plan');
    expect(run('plan+refresh').cache).toBe('none');
    expect(cacheFiles()).toEqual([
      expect.stringMatching(/-plan\+refresh\.v8$/),
      expect.stringMatching(/-plan\.v8$/),
    ]);
    expect(run('plan').cache).toBe('accepted');
    expect(run('plan+refresh').cache).toBe('accepted');
  });

  it('keeps nothing of a run that failed: it stopped before compiling what the command needs', () => {
    expect(run('plan', cacheDir, { exitCode: 1 }).cache).toBe('none');
    expect(existsSync(cacheDir)).toBe(false);
    expect(run('plan', cacheDir, { exitCode: 2 }).cache).toBe('none');
    expect(run('plan').cache).toBe('accepted');
  });

  it('throws away a cache V8 cannot use, runs all the same, and writes a good one', () => {
    run('plan');
    writeFileSync(dataFile(), Buffer.alloc(4096, 7));
    expect(run('plan')).toEqual({ answer: 84, cache: 'rejected' });
    expect(run('plan')).toEqual({ answer: 84, cache: 'accepted' });
  });

  it("drops another build's caches when this build writes one", () => {
    run('plan');
    run('apply');
    const before = cacheFiles();
    writeBundle('exports.answer = () => 42 * 2; // another build, another length');
    expect(run('plan')).toEqual({ answer: 84, cache: 'none' });
    const after = cacheFiles();
    expect(after).toEqual([expect.stringMatching(/-plan\.v8$/)]);
    expect(before).not.toContain(after[0]);
  });

  it('runs without a cache where none can be written, and when there is no cache dir', () => {
    // A regular file where the directory would go.
    writeFileSync(join(dir, 'blocked'), '');
    expect(run('plan', join(dir, 'blocked', 'cache'))).toEqual({ answer: 84, cache: 'none' });
    expect(run('plan', null)).toEqual({ answer: 84, cache: 'off' });
  });

  it('runs from a cache dir it may read but not write', () => {
    run('plan');
    chmodSync(cacheDir, 0o500);
    try {
      // root may write anyway; what matters is that the command runs and says nothing.
      expect(run('plan+refresh').answer).toBe(84);
      expect(run('plan').cache).toBe('accepted');
    } finally {
      chmodSync(cacheDir, 0o700);
    }
  });
});

describe('runBundle and caches others could have written', () => {
  it('uses no cache in a directory others may write to', () => {
    run('plan');
    chmodSync(cacheDir, 0o777);
    try {
      expect(run('plan')).toEqual({ answer: 84, cache: 'off' });
    } finally {
      chmodSync(cacheDir, 0o700);
    }
    expect(run('plan').cache).toBe('accepted');
  });

  it('reads no cache file others may write to, and replaces it with its own', () => {
    run('plan');
    chmodSync(dataFile(), 0o666);
    expect(run('plan').cache).toBe('none');
    expect(statSync(dataFile()).mode & 0o777).toBe(0o600);
    expect(run('plan').cache).toBe('accepted');
  });

  it.runIf(process.getuid?.() === 0)('reads no cache file another user owns', () => {
    run('plan');
    chownSync(dataFile(), 65534, 65534);
    expect(run('plan').cache).toBe('none');
    expect(statSync(dataFile()).uid).toBe(0);
  });
});

describe('codeCacheDir', () => {
  it("is stratum's part of the user's cache dir, and off when Node's compile cache is", () => {
    expect(codeCacheDir({ HOME: '/home/ada' })).toBe('/home/ada/.cache/stratum/code-cache');
    expect(codeCacheDir({ HOME: '/home/ada', XDG_CACHE_HOME: '/var/cache/ada' })).toBe(
      '/var/cache/ada/stratum/code-cache',
    );
    expect(codeCacheDir({ HOME: '/home/ada', NODE_DISABLE_COMPILE_CACHE: '1' })).toBeUndefined();
    expect(codeCacheDir({})).toBeUndefined();
  });
});
