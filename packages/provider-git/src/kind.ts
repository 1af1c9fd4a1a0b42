import type { ExecResult, HostCommand, JsonObject, JsonValue, KindHandler, Operation } from '@stratum/core';
import { lastLine, priorNumber, priorString, requirePriorString } from '@stratum/core/kit';
import { cloneCommand, probeScript, removeCommand, updateCommand } from './commands';
import { GitError } from './errors';
import { type GitRepoPrior, parseGitProbe } from './probe';
import { isFullSha } from './ref';
import { type GitRepoAttrs, gitRepoSchema } from './schema';

/** Clones and fetches can be slow on big repositories. */
const GIT_TIMEOUT_MS = 30 * 60_000;

/**
 * `git_repo`: a working tree at `path` on `host`, cloned from `url` and kept
 * at `ref`. State: `{ host, path, url, ref, depth, commit_sha }`.
 *
 * Update: when `host`, `path` or `url` changed, the old checkout is removed
 * (`rm -rf`) and the repository cloned afresh, in one operation; otherwise the
 * ref is fetched and the tree reset to it (see `updateCommand`). Every update
 * fetches, so it also lands a new upstream commit that a refresh reported as
 * drift.
 */
export const gitRepoKind: KindHandler<GitRepoAttrs> = {
  schema: gitRepoSchema,
  identity: ['host', 'path'],
  outputs: {
    commit_sha:
      'The full id of the commit the checkout is on after the last apply. A command that reads it (`git_repo.<name>.commit_sha`, bare or in a template) runs again whenever an apply moves the checkout.',
  },

  // Two checkouts in one directory would overwrite each other.
  claims: ({ attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'checkout path', value: attrs.path }],
  }),

  create({ name, attrs }) {
    return {
      host: attrs.host,
      commands: [cloneStep(attrs)],
      trace: [cloneTrace(name, attrs)],
      record: recordCheckout(name, attrs),
    };
  },

  update({ name, attrs, prior }) {
    const was = priorPlace(prior, attrs);
    const moved = was.host !== attrs.host || was.path !== attrs.path;
    if (moved || was.url !== attrs.url) {
      const commands: HostCommand[] = [
        // The old checkout may live on another host than the new one.
        removeStep(name, was.path, was.host === attrs.host ? undefined : was.host),
      ];
      // The new place may hold an older checkout (a half-done run): start clean.
      if (moved) commands.push(removeStep(name, attrs.path, undefined));
      commands.push(cloneStep(attrs));
      return {
        host: attrs.host,
        commands,
        trace: [deleteTrace(name, was.host, was.path), cloneTrace(name, attrs)],
        record: recordCheckout(name, attrs),
      };
    }
    return {
      host: attrs.host,
      commands: [
        {
          command: updateCommand(attrs),
          step: isFullSha(attrs.ref) ? 'git fetch / git checkout' : 'git fetch / git reset',
          timeoutMs: GIT_TIMEOUT_MS,
          hint: 'check that the host can reach the remote with its own credentials (stratum injects none) and that the ref exists',
        },
      ],
      trace: [`[git] UPDATE git_repo \`${name}\` (${attrs.host}:${attrs.path}) ref=${attrs.ref}`],
      record: recordCheckout(name, attrs),
    };
  },

  delete(request) {
    const host = requirePriorString(request, 'host');
    const path = requirePriorString(request, 'path');
    return {
      host,
      commands: [removeStep(request.name, path, undefined)],
      trace: [deleteTrace(request.name, host, path)],
    };
  },

  probe({ name, prior }) {
    const was: GitRepoPrior = {
      host: priorString(prior, 'host') ?? '',
      path: priorString(prior, 'path') ?? '',
      ref: priorString(prior, 'ref') ?? '',
      depth: priorNumber(prior, 'depth') ?? null,
      commitSha: priorString(prior, 'commit_sha') ?? null,
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

function cloneStep(attrs: GitRepoAttrs): HostCommand {
  return {
    command: cloneCommand(attrs),
    step: 'git clone',
    timeoutMs: GIT_TIMEOUT_MS,
    hint: 'check the url and ref, that the host can reach the remote with its own credentials, and that the path does not exist yet',
  };
}

/** `rm -rf PATH`; `host` only when it is not the operation's. */
function removeStep(name: string, path: string, host: string | undefined): HostCommand {
  return {
    command: removeCommand(path, name),
    step: `rm -rf ${path}`,
    host,
    hint: 'check that the ssh user may remove the checkout',
  };
}

function cloneTrace(name: string, attrs: GitRepoAttrs): string {
  return `[git] CLONE git_repo \`${name}\` -> ${attrs.host}:${attrs.path} (ref=${attrs.ref})`;
}

function deleteTrace(name: string, host: string, path: string): string {
  return `[git] DELETE git_repo \`${name}\` (${host}:${path})`;
}

/**
 * State from the last command's stdout: every clone and update command ends
 * with `git rev-parse HEAD`, so its last line is the commit the checkout is on.
 */
function recordCheckout(name: string, attrs: GitRepoAttrs): Operation['record'] {
  return (results: readonly (ExecResult | undefined)[]) => {
    const commit = lastLine(results.at(-1)?.stdout ?? '');
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
    const state: JsonObject = {
      host: attrs.host,
      path: attrs.path,
      url: attrs.url,
      ref: attrs.ref,
      depth: attrs.depth ?? null,
      commit_sha: commit,
    };
    return state;
  };
}

/** Where the prior checkout is; what state lacks is taken as unchanged. */
function priorPlace(prior: JsonValue, desired: GitRepoAttrs): { host: string; path: string; url: string } {
  return {
    host: priorString(prior, 'host') ?? desired.host,
    path: priorString(prior, 'path') ?? desired.path,
    url: priorString(prior, 'url') ?? desired.url,
  };
}
