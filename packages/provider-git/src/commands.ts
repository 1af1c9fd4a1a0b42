import { shellQuote } from '@stratum/core/kit';
import { GitError } from './errors';
import { refKind } from './ref';
import { isRootPath } from './schema';

/**
 * The shell commands of `git_repo`. Every value is shell-quoted. Each
 * create / update command ends with `git -C PATH rev-parse HEAD`, so the last
 * line of its stdout is the commit the checkout landed on.
 */

export interface CheckoutSpec {
  url: string;
  path: string;
  ref: string;
  depth?: number | undefined;
}

/**
 * Clone: `git clone --branch REF [--depth N] URL PATH` for a branch or tag;
 * `git clone URL PATH && git -C PATH checkout SHA` for a full SHA (`--branch`
 * takes no SHA, and `--depth` is ignored: a shallow clone may not contain it).
 */
export function cloneCommand(spec: CheckoutSpec): string {
  const url = shellQuote(spec.url);
  const path = shellQuote(spec.path);
  const clone =
    refKind(spec.ref) === 'sha'
      ? `git clone ${url} ${path} && git -C ${path} checkout -q ${shellQuote(spec.ref)}`
      : `git clone --branch ${shellQuote(spec.ref)}${depthFlag(spec)} ${url} ${path}`;
  return `${clone} && ${revParse(path)}`;
}

/**
 * Update in place (same url and path).
 *
 * A branch or tag: the spec's `git fetch origin && git reset --hard origin/REF`
 * only works for a branch the clone tracks — a tag has no `origin/<tag>`, and a
 * `--depth` clone tracks only its first branch. So the ref is fetched by an
 * explicit refspec: first as a branch into `origin/REF` (then
 * `reset --hard origin/REF`), and if there is no such branch, as a tag, forced
 * because tags can be moved upstream (then `reset --hard refs/tags/REF`, which
 * peels an annotated tag to its commit). Branches win over tags, as in
 * `git clone --branch`.
 *
 * A full SHA: fetch (every branch and tag; unshallowing a shallow clone) only
 * when the commit is not already present, then `git checkout SHA`.
 */
export function updateCommand(spec: CheckoutSpec): string {
  const path = shellQuote(spec.path);
  const git = `git -C ${path}`;
  if (refKind(spec.ref) === 'sha') {
    const sha = shellQuote(spec.ref);
    const refspec = shellQuote('+refs/heads/*:refs/remotes/origin/*');
    const fetch = (extra: string) => `${git} fetch${extra} --force --tags origin ${refspec}`;
    const fetchAll =
      `if [ "$(${git} rev-parse --is-shallow-repository)" = true ]; ` +
      `then ${fetch(' --unshallow')}; else ${fetch('')}; fi`;
    return `{ ${git} cat-file -e ${shellQuote(`${spec.ref}^{commit}`)} 2>/dev/null || { ${fetchAll}; }; } && ${git} checkout -q --force ${sha} && ${revParse(path)}`;
  }
  const ref = spec.ref;
  const depth = depthFlag(spec);
  const branch = shellQuote(`+refs/heads/${ref}:refs/remotes/origin/${ref}`);
  const tag = shellQuote(`+refs/tags/${ref}:refs/tags/${ref}`);
  return (
    `if ${git} fetch${depth} origin ${branch}; then ${git} reset --hard ${shellQuote(`origin/${ref}`)}; ` +
    `else ${git} fetch --force${depth} origin ${tag} && ${git} reset --hard ${shellQuote(`refs/tags/${ref}`)}; fi` +
    ` && ${revParse(path)}`
  );
}

/** `rm -rf PATH`, refusing a relative path or `/` whatever the caller checked before. */
export function removeCommand(path: string, resource: string): string {
  if (!path.startsWith('/') || isRootPath(path)) {
    throw new GitError('GitInvalidAttribute', `git_repo \`${resource}\`: refusing to remove \`${path}\``, {
      resource,
      path,
      hint: 'a git_repo path must be an absolute path below `/`',
    });
  }
  return `rm -rf ${shellQuote(path)}`;
}

/** The separator line between the checkout and the upstream parts of the probe's output. */
export const UPSTREAM_MARKER = '--upstream--';

/** How long the probe waits for the remote to answer `git ls-remote`. */
const LS_REMOTE_TIMEOUT_S = 20;

/**
 * The probe: `MISSING` when `PATH/.git` is not a directory, else
 * `<HEAD sha>|<origin url>`. For a branch or tag it then prints
 * {@link UPSTREAM_MARKER} and what `git ls-remote origin` says the ref points
 * to now (the branch, the tag and the tag's peeled commit), so a new upstream
 * commit is visible to a refresh. ls-remote runs without prompts and under
 * `timeout` when the host has it; when the remote cannot be reached that part
 * is simply empty.
 */
export function probeScript(spec: Pick<CheckoutSpec, 'path' | 'ref'>): string {
  const path = shellQuote(spec.path);
  const gitDir = shellQuote(`${spec.path}/.git`);
  let script =
    `if [ ! -d ${gitDir} ]; then echo MISSING; else ` +
    `printf '%s|' "$(git -C ${path} rev-parse HEAD)"; git -C ${path} remote get-url origin;`;
  if (refKind(spec.ref) === 'name') {
    const refs = [`refs/heads/${spec.ref}`, `refs/tags/${spec.ref}`, `refs/tags/${spec.ref}^{}`].map(
      shellQuote,
    );
    script +=
      ` echo ${UPSTREAM_MARKER};` +
      ` t=; command -v timeout >/dev/null 2>&1 && t='timeout ${LS_REMOTE_TIMEOUT_S}';` +
      ` GIT_TERMINAL_PROMPT=0 $t git -C ${path} ls-remote origin ${refs.join(' ')} 2>/dev/null || true;`;
  }
  return `${script} fi`;
}

function depthFlag(spec: CheckoutSpec): string {
  return spec.depth === undefined ? '' : ` --depth ${spec.depth}`;
}

function revParse(path: string): string {
  return `git -C ${path} rev-parse HEAD`;
}
