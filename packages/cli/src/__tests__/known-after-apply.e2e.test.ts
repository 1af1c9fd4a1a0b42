// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GitRepo, type GitServer, startGitServer } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, hostBlock, useWorkspacePerTest } from './harness';

/**
 * A value known only after apply, through the real binary: a command reads
 * the commit a `git_repo` checkout lands on (`git_repo.app.commit_sha`, which
 * the config does not write). The plan shows it as known after apply, the
 * command runs with the real sha, and a move of the checkout — a new ref, or
 * a new upstream commit found by `apply --refresh` — runs the command again
 * with the new sha. The checkout lives under the test's host dir, served by
 * a `git daemon` on loopback.
 */

const t = useWorkspacePerTest();
let git: GitServer;
let repo: GitRepo;

beforeAll(async () => {
  git = await startGitServer();
  repo = await git.createRepo('app', {
    branches: { main: { 'README.md': 'v1\n' }, next: { 'NEXT.md': 'next\n' } },
  });
});
afterAll(async () => {
  await git?.stop();
});

const config = (ref: string) => `${hostBlock('box')}
resource "ssh_exec" "build" {
  host    = host.box.addr
  command = "echo \${git_repo.app.commit_sha} >> @HOST@/builds"
}

resource "git_repo" "app" {
  host = host.box.addr
  path = "@HOST@/app"
  url  = "${repo.url}"
  ref  = "${ref}"
}
`;

const builds = () => readFileSync(join(t.ws.hostDir, 'builds'), 'utf8').trim().split('\n');

describe('values known after apply', { timeout: 120_000 }, () => {
  it('a git_repo commit drives an ssh_exec: shown as known after apply, run with the real sha, re-run when it moves', async () => {
    t.ws.write('stratum.strat', config('main'));
    // A create's plan line shows no attributes; the JSON carries the marker.
    const json = JSON.parse((await t.ws.run(['plan', '--json'], {})).stdout);
    const build = json.steps.find((s: { address: string }) => s.address === 'ssh_exec.build');
    expect(build.desired.command).toMatch(/^echo <known-after-apply:git_repo\.app\.commit_sha> >> /);

    const apply = await t.ws.run(['apply', '-y'], {});
    expectExit(apply, 0);
    // The reference orders the apply: the checkout first, then the command with its sha.
    const order = apply.stdout.split('\n').filter((l) => /^\s*\+ /.test(l));
    expect(order.map((l) => l.trim().split(/\s+/)[1])).toEqual(['git_repo.app', 'ssh_exec.build']);
    expect(builds()).toEqual([repo.branches.main]);
    const state = JSON.parse(t.ws.read('.stratum/state.json'));
    expect(state.resources['ssh_exec.build'].attrs.command).toContain(repo.branches.main);

    // Nothing moved: the sha is known from state and nothing is to do.
    expectExit(await t.ws.run(['plan', '--detailed-exitcode'], {}), 0);

    // A new ref: the checkout is an update, and the command with it.
    t.ws.write('stratum.strat', config('next'));
    const moved = await t.ws.run(['plan', '-o', 'next.plan'], {});
    expectExit(moved, 0);
    expect(moved.stdout).toContain('~ git_repo.app');
    expect(moved.stdout).toContain('~ ssh_exec.build');
    expect(moved.stdout).toContain(`command: "echo ${repo.branches.main} >> `);
    expect(moved.stdout).toContain('-> "echo (known after apply) >> ');
    // The saved plan carries the marker; applying it substitutes the sha the checkout lands on.
    expect(t.ws.read('next.plan')).toContain('<known-after-apply:git_repo.app.commit_sha>');
    expectExit(await t.ws.run(['apply', 'next.plan'], {}), 0);
    expect(builds()).toEqual([repo.branches.main, repo.branches.next]);
    expectExit(await t.ws.run(['plan', '--detailed-exitcode'], {}), 0);

    // Upstream moves: a refresh finds it, the repair moves the checkout and re-runs the command.
    const pushed = await git.pushCommit('app', 'next', { 'NEXT.md': 'next v2\n' });
    expectExit(await t.ws.run(['apply', '-y', '--refresh'], {}), 0);
    expect(builds()).toEqual([repo.branches.main, repo.branches.next, pushed]);
    expectExit(await t.ws.run(['plan', '--detailed-exitcode'], {}), 0);
  });

  it('refuses a reference to an attribute the kind neither takes nor computes, at the reference', async () => {
    t.ws.write('stratum.strat', config('main').replace('git_repo.app.commit_sha', 'git_repo.app.commit'));
    const result = await t.ws.run(['validate'], {});
    expectExit(result, 1);
    expect(result.stderr).toContain(
      'resource `git_repo.app` sets no attribute `commit` (in reference `git_repo.app.commit`)',
    );
    expect(result.stderr).toContain('stratum.strat:8:21');
    expect(result.stderr).toContain('`git_repo` computes at apply: `commit_sha`');
  });
});
