import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JsonObject } from '@stratum/core';
import { runStep, type TestContext } from '@stratum/core/test';
import { type GitRepo, type GitServer, runGit, startGitServer } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Loopback, startLoopback } from './__tests__/loopback';
import { gitRepoKind } from './kind';
import { createGitProvider } from './provider';
import { gitRepoSchema } from './schema';

/**
 * git_repo against real git: a `git daemon` on loopback serving bare repos
 * with known SHAs, reached by the loopback host (this machine) through the
 * pooled ssh transport. Checkouts go under a temp dir.
 */

let lo: Loopback;
let git: GitServer;
let app: GitRepo;
let other: GitRepo;
let work: string;
let counter = 0;
const provider = createGitProvider();

beforeAll(async () => {
  [lo, git, work] = await Promise.all([
    startLoopback(),
    startGitServer(),
    mkdtemp(join(tmpdir(), 'stratum-git-co-')),
  ]);
  app = await git.createRepo('app', {
    branches: { main: { 'README.md': 'main v1\n' }, dev: { 'DEV.md': 'dev\n' } },
    tags: { 'v1.0': 'main', 'v1.1': { target: 'dev', message: 'release 1.1' } },
  });
  other = await git.createRepo('other', { branches: { trunk: { 'OTHER.md': 'other\n' } } });
});

afterAll(async () => {
  await Promise.all([lo?.close(), git?.stop(), work && rm(work, { recursive: true, force: true })]);
});

function checkoutPath(): string {
  return join(work, `co-${++counter}`);
}

function request(raw: JsonObject, name = 'app') {
  return { kind: 'git_repo', name, attrs: gitRepoSchema.parse(raw), raw };
}

type Request = ReturnType<typeof request>;

/** Runs a create the way the engine does; returns what it recorded. */
async function create(req: Request, ctx: TestContext = lo.ctx()): Promise<JsonObject> {
  return (await runStep(gitRepoKind, { action: 'create', ...req }, ctx)).recorded!;
}

async function update(
  req: Request & { prior: JsonObject },
  ctx: TestContext = lo.ctx(),
): Promise<JsonObject> {
  return (await runStep(gitRepoKind, { action: 'update', ...req }, ctx)).recorded!;
}

async function destroy(req: { kind: string; name: string; prior: JsonObject }, ctx: TestContext = lo.ctx()) {
  await runStep(gitRepoKind, { action: 'delete', ...req }, ctx);
}

async function head(path: string): Promise<string> {
  return (await runGit(['-C', path, 'rev-parse', 'HEAD'])).stdout.trim();
}

describe('git_repo create', { timeout: 120_000 }, () => {
  it('clones a branch, records the state shape and traces the clone', async () => {
    const path = checkoutPath();
    const ctx = lo.ctx();
    const raw = { host: lo.host, path, url: app.url, ref: 'main' };
    const state = await create(request(raw), ctx);
    expect(state).toEqual({
      host: lo.host,
      path,
      url: app.url,
      ref: 'main',
      depth: null,
      commit_sha: app.branches.main,
    });
    expect(await readFile(join(path, 'README.md'), 'utf8')).toBe('main v1\n');
    expect(ctx.traces()).toEqual([`[git] CLONE git_repo \`app\` -> ${lo.host}:${path} (ref=main)`]);
    const drift = await lo.refresh(provider, 'git_repo', 'app', raw, state);
    expect(drift).toMatchObject({ changes: [], missing: false });
  });

  it('clones an annotated tag shallowly and records the peeled commit', async () => {
    const path = checkoutPath();
    const raw = { host: lo.host, path, url: app.url, ref: 'v1.1', depth: 1 };
    const state = await create(request(raw), lo.ctx());
    expect(state.commit_sha).toBe(app.tags['v1.1']);
    expect(state.depth).toBe(1);
    expect((await runGit(['-C', path, 'rev-parse', '--is-shallow-repository'])).stdout.trim()).toBe('true');
    expect(await lo.refresh(provider, 'git_repo', 'app', raw, state)).toMatchObject({
      changes: [],
      missing: false,
    });
  });

  it('clones a full SHA with clone + checkout, ignoring depth', async () => {
    const path = checkoutPath();
    const sha = app.branches.main!;
    const state = await create(request({ host: lo.host, path, url: app.url, ref: sha, depth: 1 }), lo.ctx());
    expect(state.commit_sha).toBe(sha);
    expect((await runGit(['-C', path, 'rev-parse', '--is-shallow-repository'])).stdout.trim()).toBe('false');
    // Detached at the SHA, not on a branch.
    expect((await runGit(['-C', path, 'rev-parse', '--abbrev-ref', 'HEAD'])).stdout.trim()).toBe('HEAD');
  });

  it('fails with git stderr for a ref that does not exist', async () => {
    const path = checkoutPath();
    await expect(
      create(request({ host: lo.host, path, url: app.url, ref: 'no-such-branch' }), lo.ctx()),
    ).rejects.toThrow(/^git_repo\.app: git clone failed on \S+ \(exit 128\):[\s\S]*no-such-branch/);
  });
});

describe('git_repo drift and update', { timeout: 120_000 }, () => {
  it('shows a new upstream commit as commit_sha drift, and the update lands on it', async () => {
    await git.createRepo('moving', { branches: { main: { 'a.txt': '1\n' } } });
    const url = git.url('moving');
    const path = checkoutPath();
    const raw = { host: lo.host, path, url, ref: 'main', depth: 1 };
    const state = await create(request(raw, 'moving'), lo.ctx());
    const pushed = await git.pushCommit('moving', 'main', { 'a.txt': '2\n' });

    const drift = await lo.refresh(provider, 'git_repo', 'moving', raw, state);
    expect(drift).toMatchObject({
      changes: [{ field: 'commit_sha', from: state.commit_sha, to: pushed }],
      missing: false,
    });

    const ctx = lo.ctx();
    const updated = await update({ ...request(raw, 'moving'), prior: state }, ctx);
    expect(updated.commit_sha).toBe(pushed);
    expect(await head(path)).toBe(pushed);
    expect(await readFile(join(path, 'a.txt'), 'utf8')).toBe('2\n');
    expect(ctx.traces()).toEqual([`[git] UPDATE git_repo \`moving\` (${lo.host}:${path}) ref=main`]);
    expect(await lo.refresh(provider, 'git_repo', 'moving', raw, updated)).toMatchObject({
      changes: [],
      missing: false,
    });
  });

  it('reports a checkout moved by hand as drift', async () => {
    const path = checkoutPath();
    const raw = { host: lo.host, path, url: app.url, ref: 'main' };
    const state = await create(request(raw), lo.ctx());
    await runGit(['-C', path, 'fetch', '--quiet', 'origin', 'dev']);
    await runGit(['-C', path, 'checkout', '--quiet', 'FETCH_HEAD']);
    const drift = await lo.refresh(provider, 'git_repo', 'app', raw, state);
    expect(drift.changes).toEqual([{ field: 'commit_sha', from: app.branches.main, to: app.branches.dev }]);
    const updated = await update({ ...request(raw), prior: state }, lo.ctx());
    expect(updated.commit_sha).toBe(app.branches.main);
  });

  it('moves a single-branch shallow clone to another branch, to a tag and to a SHA', async () => {
    const path = checkoutPath();
    let prior: JsonObject = await create(
      request({ host: lo.host, path, url: app.url, ref: 'main', depth: 1 }),
      lo.ctx(),
    );
    const steps: [string, string][] = [
      ['dev', app.branches.dev!],
      ['v1.0', app.tags['v1.0']!],
      ['v1.1', app.tags['v1.1']!],
      [app.branches.main!, app.branches.main!],
      ['dev', app.branches.dev!],
    ];
    for (const [ref, expected] of steps) {
      prior = await update(
        { ...request({ host: lo.host, path, url: app.url, ref, depth: 1 }), prior },
        lo.ctx(),
      );
      expect([ref, prior.commit_sha]).toEqual([ref, expected]);
      expect(await head(path)).toBe(expected);
    }
  });

  it('re-clones when the url changes', async () => {
    const path = checkoutPath();
    const first = await create(request({ host: lo.host, path, url: app.url, ref: 'main' }), lo.ctx());
    const ctx = lo.ctx();
    const raw = { host: lo.host, path, url: other.url, ref: 'trunk' };
    const second = await update({ ...request(raw), prior: first }, ctx);
    expect(second).toEqual({
      host: lo.host,
      path,
      url: other.url,
      ref: 'trunk',
      depth: null,
      commit_sha: other.branches.trunk,
    });
    expect((await runGit(['-C', path, 'remote', 'get-url', 'origin'])).stdout.trim()).toBe(other.url);
    expect(existsSync(join(path, 'README.md'))).toBe(false);
    expect(ctx.traces()).toEqual([
      `[git] DELETE git_repo \`app\` (${lo.host}:${path})`,
      `[git] CLONE git_repo \`app\` -> ${lo.host}:${path} (ref=trunk)`,
    ]);
  });

  it('reports the real origin url as drift when it was changed by hand', async () => {
    const path = checkoutPath();
    const raw = { host: lo.host, path, url: app.url, ref: 'main' };
    const state = await create(request(raw), lo.ctx());
    await runGit(['-C', path, 'remote', 'set-url', 'origin', other.url]);
    const drift = await lo.refresh(provider, 'git_repo', 'app', raw, state);
    expect(drift.changes).toContainEqual({ field: 'url', from: app.url, to: other.url });
  });

  it('moves the checkout when the path changes', async () => {
    const oldPath = checkoutPath();
    const newPath = checkoutPath();
    const first = await create(
      request({ host: lo.host, path: oldPath, url: app.url, ref: 'main' }),
      lo.ctx(),
    );
    const second = await update(
      { ...request({ host: lo.host, path: newPath, url: app.url, ref: 'main' }), prior: first },
      lo.ctx(),
    );
    expect(second.path).toBe(newPath);
    expect(existsSync(oldPath)).toBe(false);
    expect(await head(newPath)).toBe(app.branches.main);
  });
  it('moves the checkout to another host (an ssh config alias of this machine) in one step', async () => {
    const oldPath = checkoutPath();
    const newPath = checkoutPath();
    const first = await create(request({ host: lo.host, path: oldPath, url: app.url, ref: 'main' }));
    const ctx = lo.ctx();
    const alias = lo.sshd.alias;
    const second = await update(
      { ...request({ host: alias, path: newPath, url: app.url, ref: 'main' }), prior: first },
      ctx,
    );
    expect(second).toMatchObject({ host: alias, path: newPath, commit_sha: app.branches.main });
    expect(existsSync(oldPath)).toBe(false);
    expect(await head(newPath)).toBe(app.branches.main);
    expect(ctx.traces()).toEqual([
      `[git] DELETE git_repo \`app\` (${lo.host}:${oldPath})`,
      `[git] CLONE git_repo \`app\` -> ${alias}:${newPath} (ref=main)`,
    ]);
  });
});

describe('git_repo delete and absence', { timeout: 120_000 }, () => {
  it('reads a checkout deleted by hand as absent', async () => {
    const path = checkoutPath();
    const raw = { host: lo.host, path, url: app.url, ref: 'main' };
    const state = await create(request(raw), lo.ctx());
    await rm(path, { recursive: true, force: true });
    expect(await lo.refresh(provider, 'git_repo', 'app', raw, state)).toMatchObject({
      changes: [],
      missing: true,
    });
  });

  it('deletes the checkout, and deleting again is harmless', async () => {
    const path = checkoutPath();
    const state = await create(request({ host: lo.host, path, url: app.url, ref: 'main' }), lo.ctx());
    const ctx = lo.ctx();
    await destroy({ kind: 'git_repo', name: 'app', prior: state }, ctx);
    expect(existsSync(path)).toBe(false);
    expect(ctx.traces()).toEqual([`[git] DELETE git_repo \`app\` (${lo.host}:${path})`]);
    await destroy({ kind: 'git_repo', name: 'app', prior: state }, lo.ctx());
  });
});
