import { describe, expect, it } from 'vitest';
import { cloneCommand, probeScript, removeCommand, updateCommand } from './commands';
import { refKind } from './ref';
import { gitRepoSchema } from './schema';

const SHA = 'bfb77a6c1d808e04bfb77a6c1d808e04bfb77a6c';

describe('git_repo schema', () => {
  it('accepts the documented attributes and leaves depth unset', () => {
    expect(
      gitRepoSchema.parse({
        host: 'root@h',
        path: '/srv/app',
        url: 'https://example.com/app.git',
        ref: 'main',
      }),
    ).toEqual({ host: 'root@h', path: '/srv/app', url: 'https://example.com/app.git', ref: 'main' });
  });

  it('rejects relative and root paths, option-like url and ref, bad depth and unknown attrs', () => {
    const base = { host: 'root@h', path: '/srv/app', url: 'u', ref: 'main' };
    for (const bad of [
      { ...base, path: 'srv/app' },
      { ...base, path: '/' },
      { ...base, path: '//./' },
      { ...base, url: '--upload-pack=x' },
      { ...base, ref: '-b' },
      { ...base, depth: 0 },
      { ...base, depth: 1.5 },
      { ...base, branch: 'main' },
    ]) {
      expect(gitRepoSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('refKind', () => {
  it('dispatches only full lowercase 40-hex SHAs to the SHA path', () => {
    expect(refKind(SHA)).toBe('sha');
    expect(refKind(SHA.toUpperCase())).toBe('name');
    expect(refKind('bfb77a6')).toBe('name');
    expect(refKind('main')).toBe('name');
    expect(refKind('v1.2.3')).toBe('name');
  });
});

describe('cloneCommand', () => {
  it('clones a branch or tag with --branch and --depth', () => {
    expect(cloneCommand({ url: 'https://e.com/app.git', path: '/srv/app', ref: 'main' })).toBe(
      'git clone --branch main https://e.com/app.git /srv/app && git -C /srv/app rev-parse HEAD',
    );
    expect(cloneCommand({ url: 'git://127.0.0.1/app', path: '/srv/my app', ref: 'v1.0', depth: 1 })).toBe(
      `git clone --branch v1.0 --depth 1 git://127.0.0.1/app '/srv/my app' && git -C '/srv/my app' rev-parse HEAD`,
    );
  });

  it('clones then checks out a SHA, ignoring depth', () => {
    expect(cloneCommand({ url: 'u', path: '/srv/app', ref: SHA, depth: 1 })).toBe(
      `git clone u /srv/app && git -C /srv/app checkout -q ${SHA} && git -C /srv/app rev-parse HEAD`,
    );
  });
});

describe('updateCommand', () => {
  it('fetches a branch into origin/REF, falls back to the tag, then reports HEAD', () => {
    expect(updateCommand({ url: 'u', path: '/srv/app', ref: 'main' })).toBe(
      `if git -C /srv/app fetch origin +refs/heads/main:refs/remotes/origin/main; then git -C /srv/app reset --hard origin/main; ` +
        `else git -C /srv/app fetch --force origin +refs/tags/main:refs/tags/main && git -C /srv/app reset --hard refs/tags/main; fi` +
        ' && git -C /srv/app rev-parse HEAD',
    );
  });

  it('passes depth to the fetches', () => {
    expect(updateCommand({ url: 'u', path: '/a', ref: 'v1', depth: 2 })).toContain('fetch --depth 2 origin');
    expect(updateCommand({ url: 'u', path: '/a', ref: 'v1', depth: 2 })).toContain(
      'fetch --force --depth 2 origin',
    );
  });

  it('checks out a SHA, fetching only when it is missing', () => {
    const cmd = updateCommand({ url: 'u', path: '/srv/app', ref: SHA });
    expect(cmd.startsWith(`{ git -C /srv/app cat-file -e '${SHA}^{commit}' 2>/dev/null || {`)).toBe(true);
    expect(cmd).toContain('fetch --unshallow --force --tags origin');
    expect(
      cmd.endsWith(`&& git -C /srv/app checkout -q --force ${SHA} && git -C /srv/app rev-parse HEAD`),
    ).toBe(true);
  });
});

describe('removeCommand', () => {
  it('quotes the path and refuses / and relative paths', () => {
    expect(removeCommand('/srv/my app', 'app')).toBe(`rm -rf '/srv/my app'`);
    expect(() => removeCommand('/', 'app')).toThrow(/refusing to remove/);
    expect(() => removeCommand('//', 'app')).toThrow(/refusing to remove/);
    expect(() => removeCommand('srv', 'app')).toThrow(/refusing to remove/);
  });
});

describe('probeScript', () => {
  it('is the MISSING / sha|url probe, plus ls-remote for a branch or tag', () => {
    expect(probeScript({ path: '/srv/app', ref: SHA })).toBe(
      `if [ ! -d /srv/app/.git ]; then echo MISSING; else printf '%s|' "$(git -C /srv/app rev-parse HEAD)"; git -C /srv/app remote get-url origin; fi`,
    );
    const named = probeScript({ path: '/srv/app', ref: 'main' });
    expect(named).toContain(`ls-remote origin refs/heads/main refs/tags/main 'refs/tags/main^{}'`);
    expect(named).toContain('GIT_TERMINAL_PROMPT=0');
  });
});
