import {
  CommandFailedError,
  checkClaims,
  type JsonObject,
  Registry,
  StratumError,
  validateDesired,
} from '@stratum/core';
import {
  createRecordingTransport,
  createTestContext,
  desiredResource,
  respondByCommand,
  runStep,
} from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { GitError } from './errors';
import { gitRepoKind } from './kind';
import { createGitProvider } from './provider';
import { type GitRepoAttrs, gitRepoSchema } from './schema';

/**
 * git_repo's operations against a recording transport: which commands run
 * where, what is traced and recorded. git itself is exercised by
 * git-repo.real.test.ts.
 */

const SHA = 'a'.repeat(40);
const NEW_SHA = 'b'.repeat(40);
const attrs: GitRepoAttrs = gitRepoSchema.parse({
  host: 'root@h',
  path: '/srv/app',
  url: 'git://git.example/app',
  ref: 'main',
});
const prior: JsonObject = { ...attrs, depth: null, commit_sha: SHA };

/** Every git command prints the new HEAD last; `rm -rf` prints nothing. */
function gitHost() {
  return createRecordingTransport(
    respondByCommand([
      [/^rm -rf/, ''],
      [/rev-parse HEAD$/, `Cloning...\n${NEW_SHA}\n`],
    ]),
  );
}

describe('git_repo create', () => {
  it('clones, traces the clone and records the commit from rev-parse', async () => {
    const transport = gitHost();
    const ctx = createTestContext(transport);
    const run = await runStep(gitRepoKind, { action: 'create', kind: 'git_repo', name: 'app', attrs }, ctx);
    expect(transport.calls.map((c) => [c.host, c.command])).toEqual([
      ['root@h', 'git clone --branch main git://git.example/app /srv/app && git -C /srv/app rev-parse HEAD'],
    ]);
    expect(transport.calls[0]!.options.timeoutMs).toBe(30 * 60_000);
    expect(run.recorded).toEqual({ ...attrs, depth: null, commit_sha: NEW_SHA });
    expect(ctx.traces()).toEqual(['[git] CLONE git_repo `app` -> root@h:/srv/app (ref=main)']);
  });

  it('a failed clone is the engine’s CommandFailedError with git’s stderr and no trace', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^git clone/, { exitCode: 128, stderr: 'fatal: Remote branch main not found\n' }]]),
    );
    const ctx = createTestContext(transport);
    const error = await runStep(
      gitRepoKind,
      { action: 'create', kind: 'git_repo', name: 'app', attrs },
      ctx,
    ).catch((e: unknown) => e);
    expect(CommandFailedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      'git_repo.app: git clone failed on root@h (exit 128):\nfatal: Remote branch main not found',
    );
    expect(ctx.traces()).toEqual([]);
  });

  it('output without a commit is a GitUnexpectedOutput thrown from record', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^git clone/, 'not a sha\n']]));
    const error = await runStep(
      gitRepoKind,
      { action: 'create', kind: 'git_repo', name: 'app', attrs },
      createTestContext(transport),
    ).catch((e: unknown) => e);
    expect(GitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'GitUnexpectedOutput',
      message: 'git_repo `app` on root@h:/srv/app: git rev-parse HEAD printed no commit',
    });
  });
});

describe('git_repo update', () => {
  it('in place: fetches and resets, records the new commit', async () => {
    const transport = gitHost();
    const ctx = createTestContext(transport);
    const run = await runStep(
      gitRepoKind,
      { action: 'update', kind: 'git_repo', name: 'app', attrs, prior },
      ctx,
    );
    expect(transport.calls).toHaveLength(1);
    expect(transport.calls[0]!.command).toMatch(/^if git -C \/srv\/app fetch origin/);
    expect(run.operation.commands.map((c) => c.step)).toEqual(['git fetch / git reset']);
    expect(run.recorded).toMatchObject({ commit_sha: NEW_SHA });
    expect(ctx.traces()).toEqual(['[git] UPDATE git_repo `app` (root@h:/srv/app) ref=main']);
  });

  it('a pinned SHA is fetched and checked out', async () => {
    const operation = await gitRepoKind.update({
      kind: 'git_repo',
      name: 'app',
      attrs: { ...attrs, ref: NEW_SHA },
      raw: {},
      prior,
    });
    expect(operation.commands.map((c) => c.step)).toEqual(['git fetch / git checkout']);
  });

  it('a new url removes the checkout and clones again, in one operation on one host', async () => {
    const transport = gitHost();
    const ctx = createTestContext(transport);
    const url = 'git://git.example/other';
    const run = await runStep(
      gitRepoKind,
      { action: 'update', kind: 'git_repo', name: 'app', attrs: { ...attrs, url }, prior },
      ctx,
    );
    expect(run.operation.commands.map((c) => [c.host, c.step])).toEqual([
      [undefined, 'rm -rf /srv/app'],
      [undefined, 'git clone'],
    ]);
    expect(transport.calls.map((c) => [c.host, c.command.split(' ').slice(0, 2).join(' ')])).toEqual([
      ['root@h', 'rm -rf'],
      ['root@h', 'git clone'],
    ]);
    expect(run.recorded).toEqual({ ...attrs, url, depth: null, commit_sha: NEW_SHA });
    expect(ctx.traces()).toEqual([
      '[git] DELETE git_repo `app` (root@h:/srv/app)',
      '[git] CLONE git_repo `app` -> root@h:/srv/app (ref=main)',
    ]);
  });

  it('a new path on the same host removes both places, then clones; no command names another host', async () => {
    const operation = await gitRepoKind.update({
      kind: 'git_repo',
      name: 'app',
      attrs: { ...attrs, path: '/srv/app2' },
      raw: {},
      prior,
    });
    expect(operation.host).toBe('root@h');
    expect(operation.commands.map((c) => [c.host, c.command])).toEqual([
      [undefined, 'rm -rf /srv/app'],
      [undefined, 'rm -rf /srv/app2'],
      [
        undefined,
        'git clone --branch main git://git.example/app /srv/app2 && git -C /srv/app2 rev-parse HEAD',
      ],
    ]);
  });

  it('a new host removes the old checkout there, then clears and clones on the new host', async () => {
    const transport = gitHost();
    const ctx = createTestContext(transport);
    const run = await runStep(
      gitRepoKind,
      { action: 'update', kind: 'git_repo', name: 'app', attrs: { ...attrs, host: 'root@new' }, prior },
      ctx,
    );
    expect(run.operation.host).toBe('root@new');
    expect(run.operation.commands.map((c) => [c.host, c.step])).toEqual([
      ['root@h', 'rm -rf /srv/app'],
      [undefined, 'rm -rf /srv/app'],
      [undefined, 'git clone'],
    ]);
    expect(transport.calls.map((c) => c.host)).toEqual(['root@h', 'root@new', 'root@new']);
    expect(run.recorded).toMatchObject({ host: 'root@new', commit_sha: NEW_SHA });
    expect(ctx.traces()).toEqual([
      '[git] DELETE git_repo `app` (root@h:/srv/app)',
      '[git] CLONE git_repo `app` -> root@new:/srv/app (ref=main)',
    ]);
  });

  it('a failed removal of the old checkout stops the move before the clone', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^rm -rf/, { exitCode: 1, stderr: 'rm: cannot remove: Permission denied\n' }]]),
    );
    await expect(
      runStep(
        gitRepoKind,
        { action: 'update', kind: 'git_repo', name: 'app', attrs: { ...attrs, host: 'root@new' }, prior },
        createTestContext(transport),
      ),
    ).rejects.toThrow(
      'git_repo.app: rm -rf /srv/app failed on root@h (exit 1):\nrm: cannot remove: Permission denied',
    );
    expect(transport.calls).toHaveLength(1);
  });

  it('a prior without host, path or url is taken as unchanged', async () => {
    const operation = await gitRepoKind.update({
      kind: 'git_repo',
      name: 'app',
      attrs,
      raw: {},
      prior: { ref: 'main' },
    });
    expect(operation.commands.map((c) => c.step)).toEqual(['git fetch / git reset']);
  });
});

describe('git_repo delete', () => {
  it('removes the recorded path on the recorded host', async () => {
    const transport = gitHost();
    const ctx = createTestContext(transport);
    await runStep(gitRepoKind, { action: 'delete', kind: 'git_repo', name: 'app', prior }, ctx);
    expect(transport.calls.map((c) => [c.host, c.command])).toEqual([['root@h', 'rm -rf /srv/app']]);
    expect(ctx.traces()).toEqual(['[git] DELETE git_repo `app` (root@h:/srv/app)']);
  });

  it.each([
    ['host', { path: '/srv/app' }],
    ['path', { host: 'root@h' }],
  ])('refuses a state entry without a %s', (field, state) => {
    expect(() => gitRepoKind.delete({ kind: 'git_repo', name: 'app', prior: state })).toThrow(
      expect.objectContaining({
        code: 'InvalidState',
        message: `git_repo.app: the state entry has no ${field}, so the resource cannot be read or deleted`,
      }),
    );
  });

  it('refuses to remove `/` from a hand-edited state, while building', () => {
    const error = (() => {
      try {
        gitRepoKind.delete({ kind: 'git_repo', name: 'app', prior: { host: 'root@h', path: '//' } });
      } catch (e) {
        return e;
      }
    })();
    expect(GitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'GitInvalidAttribute' });
  });
});

describe('git_repo hooks', () => {
  const registry = new Registry([createGitProvider()]);

  it('host and path are the identity: a secret reference there is refused, in url it is not', () => {
    expect(gitRepoKind.identity).toEqual(['host', 'path']);
    const at = { line: 1, column: 1 };
    const secretIn = (attr: string) =>
      validateDesired(
        [
          desiredResource('git_repo', 'app', attrs, {
            block: at,
            attrs: {},
            secretRefs: [{ attr, secret: 's', location: at }],
          }),
        ],
        registry,
      ).map((d) => d.code);
    expect(secretIn('host')).toEqual(['SecretInUnsupportedAttr']);
    expect(secretIn('path')).toEqual(['SecretInUnsupportedAttr']);
    expect(secretIn('url')).toEqual([]);
  });

  it('claims its checkout path on its host', () => {
    expect(gitRepoKind.claims!({ kind: 'git_repo', name: 'app', attrs })).toEqual({
      host: 'root@h',
      claims: [{ type: 'name', space: 'checkout path', value: '/srv/app' }],
    });
  });

  it('two checkouts in one path of one host clash; on other hosts or paths they do not', () => {
    const a = desiredResource('git_repo', 'a', attrs);
    expect(() => checkClaims([a, desiredResource('git_repo', 'b', attrs)], registry)).toThrow(
      'checkout path conflict on host `root@h`: `git_repo.a` and `git_repo.b` both use checkout path `/srv/app`',
    );
    expect(
      checkClaims(
        [
          a,
          desiredResource('git_repo', 'b', { ...attrs, host: 'root@other' }),
          desiredResource('git_repo', 'c', { ...attrs, path: '/srv/other' }),
        ],
        registry,
      ),
    ).toEqual([]);
  });
});

describe('GitError', () => {
  it('has its own marker', () => {
    const error = new GitError('GitUnexpectedOutput', 'x', { resource: 'app' });
    expect(GitError.isInstance(error)).toBe(true);
    expect(StratumError.isInstance(error)).toBe(true);
    expect(GitError.isInstance(new StratumError('GitUnexpectedOutput', 'x'))).toBe(false);
    expect(
      GitError.isInstance(
        new CommandFailedError({
          resource: 'git_repo.app',
          host: 'h',
          step: 'git clone',
          exitCode: 1,
          output: '',
        }),
      ),
    ).toBe(false);
  });
});
