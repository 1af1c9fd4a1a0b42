import type { JsonObject, KindHandler, ProviderContext } from '@stratum/core';
import { cloneCommand, probeScript, removeCommand, updateCommand } from './commands';
import { GitError } from './errors';
import { type GitRepoPrior, parseGitProbe } from './probe';
import { isFullSha } from './ref';
import { lastLine, runChecked } from './run';
import { type GitRepoAttrs, gitRepoSchema } from './schema';

/** Clones and fetches can be slow on big repositories. */
const GIT_TIMEOUT_MS = 30 * 60_000;

/**
 * `git_repo`: a working tree at `path` on `host`, cloned from `url` and kept
 * at `ref`. State: `{ host, path, url, ref, depth, commit_sha }`.
 *
 * Update: when `host`, `path` or `url` changed, the old checkout is removed
 * (`rm -rf`) and the repository cloned afresh; otherwise the ref is fetched
 * and the tree reset to it (see `updateCommand`). Every update fetches, so it
 * also lands a new upstream commit that a refresh reported as drift.
 */
export const gitRepoKind: KindHandler<GitRepoAttrs> = {
  schema: gitRepoSchema,

  async create({ name, attrs }, ctx) {
    return clone(name, attrs, ctx);
  },

  async update({ name, attrs, prior }, ctx) {
    const was = priorOf(prior, attrs);
    if (was.host !== attrs.host || was.path !== attrs.path || was.url !== attrs.url) {
      await remove(name, was.host, was.path, ctx);
      if (was.host !== attrs.host || was.path !== attrs.path) {
        // The new place may hold an older checkout (a half-done run): start clean.
        await runChecked(ctx, target(name, attrs, 'rm -rf'), removeCommand(attrs.path, name));
      }
      return clone(name, attrs, ctx);
    }
    ctx.log.trace(`[git] UPDATE git_repo \`${name}\` (${attrs.host}:${attrs.path}) ref=${attrs.ref}`);
    const result = await runChecked(
      ctx,
      {
        ...target(name, attrs, isFullSha(attrs.ref) ? 'git fetch / git checkout' : 'git fetch / git reset'),
        timeoutMs: GIT_TIMEOUT_MS,
      },
      updateCommand(attrs),
    );
    return stateOf(name, attrs, result.stdout);
  },

  async delete({ name, prior }, ctx) {
    const p = asObject(prior);
    const host = typeof p.host === 'string' ? p.host : undefined;
    const path = typeof p.path === 'string' ? p.path : undefined;
    if (host === undefined || path === undefined) {
      throw new GitError(
        'GitInvalidAttribute',
        `git_repo \`${name}\`: state records no \`host\` or \`path\``,
        {
          resource: name,
          hint: `inspect the entry with \`stratum state show git_repo.${name}\``,
        },
      );
    }
    await remove(name, host, path, ctx);
  },

  probe({ name, prior }) {
    const p = asObject(prior);
    const was: GitRepoPrior = {
      host: typeof p.host === 'string' ? p.host : '',
      path: typeof p.path === 'string' ? p.path : '',
      ref: typeof p.ref === 'string' ? p.ref : '',
      depth: typeof p.depth === 'number' ? p.depth : null,
      commitSha: typeof p.commit_sha === 'string' ? p.commit_sha : null,
    };
    if (!was.path.startsWith('/')) {
      return {
        host: was.host,
        script: 'true',
        parse: () => ({
          status: 'unknown',
          reason: `git_repo \`${name}\`: state records no absolute \`path\``,
        }),
      };
    }
    return { host: was.host, script: probeScript(was), parse: (output) => parseGitProbe(was, output) };
  },
};

async function clone(name: string, attrs: GitRepoAttrs, ctx: ProviderContext): Promise<JsonObject> {
  ctx.log.trace(`[git] CLONE git_repo \`${name}\` -> ${attrs.host}:${attrs.path} (ref=${attrs.ref})`);
  const result = await runChecked(
    ctx,
    {
      ...target(name, attrs, 'git clone'),
      timeoutMs: GIT_TIMEOUT_MS,
      hint: 'check the url and ref, that the host can reach the remote with its own credentials, and that the path does not exist yet',
    },
    cloneCommand(attrs),
  );
  return stateOf(name, attrs, result.stdout);
}

async function remove(name: string, host: string, path: string, ctx: ProviderContext): Promise<void> {
  ctx.log.trace(`[git] DELETE git_repo \`${name}\` (${host}:${path})`);
  await runChecked(ctx, { resource: name, host, path, step: 'rm -rf' }, removeCommand(path, name));
}

function stateOf(name: string, attrs: GitRepoAttrs, stdout: string): JsonObject {
  const commit = lastLine(stdout);
  if (!isFullSha(commit)) {
    throw new GitError(
      'GitUnexpectedOutput',
      `git_repo \`${name}\` on ${attrs.host}:${attrs.path}: git rev-parse HEAD printed no commit`,
      {
        resource: name,
        host: attrs.host,
        path: attrs.path,
        hint: 'check the checkout by hand and apply again',
      },
    );
  }
  return {
    host: attrs.host,
    path: attrs.path,
    url: attrs.url,
    ref: attrs.ref,
    depth: attrs.depth ?? null,
    commit_sha: commit,
  };
}

function target(name: string, attrs: GitRepoAttrs, step: string) {
  return { resource: name, host: attrs.host, path: attrs.path, step };
}

function priorOf(prior: unknown, fallback: GitRepoAttrs): { host: string; path: string; url: string } {
  const p = asObject(prior);
  return {
    host: typeof p.host === 'string' ? p.host : fallback.host,
    path: typeof p.path === 'string' ? p.path : fallback.path,
    url: typeof p.url === 'string' ? p.url : fallback.url,
  };
}

function asObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
