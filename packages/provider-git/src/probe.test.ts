import { describe, expect, it } from 'vitest';
import { type GitRepoPrior, parseGitProbe, splitProbeOutput, upstreamCommit } from './probe';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const URL = 'git://127.0.0.1/app.git';

const prior: GitRepoPrior = { host: 'root@h', path: '/srv/app', ref: 'main', depth: null, commitSha: A };

function observedSha(output: string, p: GitRepoPrior = prior): unknown {
  const observed = parseGitProbe(p, output);
  return observed.status === 'present'
    ? (observed.attrs as Record<string, unknown>).commit_sha
    : observed.status;
}

describe('splitProbeOutput', () => {
  it('reads MISSING, sha|url and the upstream part', () => {
    expect(splitProbeOutput('MISSING\n', 'main')).toBe('missing');
    expect(splitProbeOutput(`${A}|${URL}\n`, 'main')).toEqual({ head: A, url: URL, upstream: undefined });
    expect(splitProbeOutput(`${A}|${URL}\n--upstream--\n${B}\trefs/heads/main\n`, 'main')).toEqual({
      head: A,
      url: URL,
      upstream: B,
    });
  });

  it('rejects anything else', () => {
    for (const garbage of [
      '',
      'fatal: not a git repository|',
      `${A}|`,
      `${A}\n`,
      `${A}|${URL}\nextra`,
      'MISSING\nMISSING',
    ]) {
      expect(splitProbeOutput(garbage, 'main')).toBeUndefined();
    }
  });
});

describe('upstreamCommit', () => {
  it('prefers the branch, then the peeled tag, then the tag', () => {
    expect(upstreamCommit([`${A}\trefs/tags/v1`, `${B}\trefs/tags/v1^{}`], 'v1')).toBe(B);
    expect(upstreamCommit([`${A}\trefs/tags/v1`], 'v1')).toBe(A);
    expect(upstreamCommit([`${C}\trefs/heads/v1`, `${A}\trefs/tags/v1`, `${B}\trefs/tags/v1^{}`], 'v1')).toBe(
      C,
    );
    expect(upstreamCommit(['fatal: unable to connect'], 'v1')).toBeUndefined();
  });
});

describe('parseGitProbe', () => {
  it('is absent when the checkout is missing', () => {
    expect(parseGitProbe(prior, 'MISSING\n')).toEqual({ status: 'absent' });
  });

  it('reports the state shape with the real origin url', () => {
    expect(parseGitProbe(prior, `${A}|https://other/app.git\n--upstream--\n${A}\trefs/heads/main\n`)).toEqual(
      {
        status: 'present',
        attrs: {
          host: 'root@h',
          path: '/srv/app',
          url: 'https://other/app.git',
          ref: 'main',
          depth: null,
          commit_sha: A,
        },
      },
    );
  });

  it('shows a new upstream commit as commit_sha drift', () => {
    expect(observedSha(`${A}|${URL}\n--upstream--\n${B}\trefs/heads/main\n`)).toBe(B);
  });

  it('shows a checkout moved by hand even when upstream did not move', () => {
    expect(observedSha(`${C}|${URL}\n--upstream--\n${A}\trefs/heads/main\n`)).toBe(C);
  });

  it('falls back to HEAD when the remote did not answer, and for SHA refs', () => {
    expect(observedSha(`${A}|${URL}\n--upstream--\n`)).toBe(A);
    expect(observedSha(`${A}|${URL}\n`, { ...prior, ref: A })).toBe(A);
  });

  it('is unknown with the output for anything else', () => {
    const observed = parseGitProbe(prior, 'fatal: detected dubious ownership\n|url');
    expect(observed).toEqual({
      status: 'unknown',
      reason: 'unexpected git probe output: fatal: detected dubious ownership\n|url',
    });
  });
});
