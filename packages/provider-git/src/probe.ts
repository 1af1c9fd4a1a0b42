import type { JsonObject, Observed } from '@stratum/core';
import { UPSTREAM_MARKER } from './commands';
import { isFullSha } from './ref';

/** What the probe's parser needs from state. */
export interface GitRepoPrior {
  host: string;
  path: string;
  ref: string;
  depth: number | null;
  /** The commit state recorded; null when state has none. */
  commitSha: string | null;
}

/** The pieces of the probe's output. */
export interface GitProbeOutput {
  head: string;
  url: string;
  /** What the ref points to upstream now; undefined when it was not asked or could not be resolved. */
  upstream: string | undefined;
}

/**
 * Splits the probe's output: `MISSING` → 'missing'; `<sha>|<url>` (plus, for a
 * branch or tag, the marker line and `git ls-remote` lines) → the parts;
 * anything else → undefined.
 */
export function splitProbeOutput(output: string, ref: string): GitProbeOutput | 'missing' | undefined {
  const lines = output.split('\n').map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 1 && lines[0] === 'MISSING') return 'missing';
  const first = /^([0-9a-f]{40})\|(\S.*)$/.exec(lines[0] ?? '');
  if (first === null) return undefined;
  const rest = lines.slice(1);
  if (rest.length > 0 && rest[0] !== UPSTREAM_MARKER) return undefined;
  return { head: first[1]!, url: first[2]!, upstream: upstreamCommit(rest.slice(1), ref) };
}

/**
 * The commit `ref` names upstream, from `git ls-remote` lines (`<sha>\t<ref>`):
 * the branch if there is one, else the tag's peeled commit, else the tag.
 * Lines that are not ls-remote output are ignored.
 */
export function upstreamCommit(lines: readonly string[], ref: string): string | undefined {
  const found = new Map<string, string>();
  for (const line of lines) {
    const m = /^([0-9a-f]{40})\s+(\S+)$/.exec(line);
    if (m !== null) found.set(m[2]!, m[1]!);
  }
  return found.get(`refs/heads/${ref}`) ?? found.get(`refs/tags/${ref}^{}`) ?? found.get(`refs/tags/${ref}`);
}

/**
 * Turns the probe's output into an observation shaped like state:
 * `{ host, path, url, ref, depth, commit_sha }`. `url` is the checkout's real
 * `origin`; `ref` and `depth` are echoed from state (a checkout does not record them).
 *
 * `commit_sha` is chosen to surface both kinds of drift:
 * - the checkout's HEAD, when it is not the commit state recorded (someone
 *   moved the checkout by hand);
 * - otherwise, for a branch or tag, the commit the ref points to upstream now,
 *   when the remote answered — a new upstream commit shows as `commit_sha`
 *   drift and the update that follows fetches it;
 * - otherwise the HEAD (a SHA ref, or the remote could not be reached).
 */
export function parseGitProbe(prior: GitRepoPrior, output: string): Observed {
  const parts = splitProbeOutput(output, prior.ref);
  if (parts === 'missing') return { status: 'absent' };
  if (parts === undefined) {
    return { status: 'unknown', reason: `unexpected git probe output: ${output.trim().slice(0, 300)}` };
  }
  let commit = parts.head;
  if (parts.head === prior.commitSha && !isFullSha(prior.ref) && parts.upstream !== undefined) {
    commit = parts.upstream;
  }
  const attrs: JsonObject = {
    host: prior.host,
    path: prior.path,
    url: parts.url,
    ref: prior.ref,
    depth: prior.depth,
    commit_sha: commit,
  };
  return { status: 'present', attrs };
}
