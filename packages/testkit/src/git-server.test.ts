import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitRepo, type GitServer, runGit, startGitServer } from './git-server';
import { tcpAccepts } from './process';

describe('git server', () => {
  let server: GitServer;
  let repo: GitRepo;
  let work: string;
  beforeAll(async () => {
    server = await startGitServer();
    work = await mkdtemp(join(tmpdir(), 'testkit-git-'));
    repo = await server.createRepo('app', {
      branches: { main: { 'README.md': 'main\n' }, dev: { 'README.md': 'dev\n', 'src/dev.txt': 'wip\n' } },
      tags: { 'v1.0.0': 'main', 'v1.1.0-rc': { target: 'dev', message: 'release candidate' } },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(work, { recursive: true, force: true });
  });

  const sha = /^[0-9a-f]{40}$/;

  it('serves the repository over git:// with the SHAs createRepo returned', async () => {
    expect(repo.url).toBe(`git://127.0.0.1:${server.port}/app.git`);
    expect(repo.branches.main).toMatch(sha);
    expect(repo.branches.dev).not.toBe(repo.branches.main);
    const refs = (await runGit(['ls-remote', repo.url])).stdout;
    expect(refs).toContain(`${repo.branches.main}\tHEAD\n`);
    expect(refs).toContain(`${repo.branches.main}\trefs/heads/main\n`);
    expect(refs).toContain(`${repo.branches.dev}\trefs/heads/dev\n`);
    expect(refs).toContain(`${repo.tags['v1.0.0']}\trefs/tags/v1.0.0\n`);
    // An annotated tag is advertised as its tag object, then peeled to the commit.
    expect(refs).toContain(`${repo.tagObjects['v1.1.0-rc']}\trefs/tags/v1.1.0-rc\n`);
    expect(refs).toContain(`${repo.branches.dev}\trefs/tags/v1.1.0-rc^{}\n`);
  });

  it('gives the same SHAs for the same spec (fixed author and clock)', async () => {
    const again = await server.createRepo('app-again', {
      branches: { main: { 'README.md': 'main\n' }, dev: { 'README.md': 'dev\n', 'src/dev.txt': 'wip\n' } },
    });
    expect(again.branches).toEqual(repo.branches);
  });

  it('clones a branch, a tag and a bare SHA', async () => {
    const branch = join(work, 'branch');
    await runGit(['clone', '--quiet', '--branch', 'dev', repo.url, branch]);
    expect(await readFile(join(branch, 'src/dev.txt'), 'utf8')).toBe('wip\n');

    const tag = join(work, 'tag');
    await runGit(['clone', '--quiet', '--branch', 'v1.0.0', repo.url, tag]);
    expect((await runGit(['rev-parse', 'HEAD'], tag)).stdout.trim()).toBe(repo.tags['v1.0.0']);

    const bySha = join(work, 'sha');
    await runGit(['init', '--quiet', bySha]);
    await runGit(['fetch', '--quiet', repo.url, repo.branches.dev!], bySha);
    await runGit(['checkout', '--quiet', repo.branches.dev!], bySha);
    expect(await readFile(join(bySha, 'README.md'), 'utf8')).toBe('dev\n');
  });

  it('pushCommit moves a branch upstream (drift) and a clone sees it', async () => {
    const clone = join(work, 'drift');
    await runGit(['clone', '--quiet', repo.url, clone]);
    const before = (await runGit(['rev-parse', 'HEAD'], clone)).stdout.trim();
    const next = await server.pushCommit('app', 'main', { 'README.md': 'changed upstream\n' });
    expect(next).toMatch(sha);
    expect(next).not.toBe(before);
    expect((await runGit(['ls-remote', repo.url, 'refs/heads/main'])).stdout).toBe(
      `${next}\trefs/heads/main\n`,
    );
    await runGit(['pull', '--quiet', '--ff-only'], clone);
    expect(await readFile(join(clone, 'README.md'), 'utf8')).toBe('changed upstream\n');
    expect((await runGit(['rev-parse', 'HEAD~1'], clone)).stdout.trim()).toBe(before);
  });

  it('pushCommit creates a branch that does not exist yet', async () => {
    const created = await server.pushCommit('app', 'feature', { 'feature.txt': 'new\n' });
    expect((await runGit(['ls-remote', repo.url, 'refs/heads/feature'])).stdout).toBe(
      `${created}\trefs/heads/feature\n`,
    );
  });

  it('accepts pushes over git:// (receive-pack enabled)', async () => {
    const clone = join(work, 'pusher');
    await runGit(['clone', '--quiet', repo.url, clone]);
    await writeFile(join(clone, 'pushed.txt'), 'over the wire\n');
    await runGit(['add', 'pushed.txt'], clone);
    await runGit(['commit', '--quiet', '--message', 'push over git://'], clone);
    await runGit(['push', '--quiet', 'origin', 'HEAD:refs/heads/pushed'], clone);
    const head = (await runGit(['rev-parse', 'HEAD'], clone)).stdout.trim();
    expect((await runGit(['ls-remote', repo.url, 'refs/heads/pushed'])).stdout).toBe(
      `${head}\trefs/heads/pushed\n`,
    );
  });

  it('serves the same repository through its file:// URL', async () => {
    expect(repo.fileUrl).toBe(`file://${repo.path}`);
    const refs = (await runGit(['ls-remote', repo.fileUrl, 'refs/heads/dev'])).stdout;
    expect(refs).toBe(`${repo.branches.dev}\trefs/heads/dev\n`);
  });

  it('stop() ends the daemon and removes the repositories', async () => {
    const other = await startGitServer();
    await other.createRepo('tmp', { branches: { main: { a: 'a' } } });
    await other.stop();
    expect(await tcpAccepts(other.port)).toBe(false);
    await expect(readFile(join(other.baseDir, 'tmp.git', 'HEAD'))).rejects.toThrow(/ENOENT/);
  });
});
