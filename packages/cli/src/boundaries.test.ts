import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from './runtime';

/**
 * The package boundaries the design rests on, checked over the source tree:
 * a kind's rules live with the kind, so core, config and the CLI name no
 * built-in kind; core reaches no host and no provider; only provider-ssh
 * speaks ssh2.
 */
const PACKAGES = resolve(import.meta.dirname, '../..');

/** Non-test TypeScript sources of a package. */
function sources(pkg: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        if (entry !== '__tests__' && entry !== '__fixtures__' && entry !== 'test') walk(path);
      } else if (entry.endsWith('.ts') && !entry.endsWith('.test.ts')) {
        out.push(path);
      }
    }
  };
  walk(join(PACKAGES, pkg, 'src'));
  return out;
}

/** Lines that are code, not comments. */
function codeLines(path: string): { line: number; text: string }[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .map((text, i) => ({ line: i + 1, text }))
    .filter(({ text }) => !/^\s*(\/\/|\*|\/\*)/.test(text));
}

function findings(pkg: string, pattern: RegExp, allowed: (path: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const path of sources(pkg)) {
    if (allowed(path)) continue;
    for (const { line, text } of codeLines(path)) {
      if (pattern.test(text)) out.push(`${relative(PACKAGES, path)}:${line}: ${text.trim()}`);
    }
  }
  return out;
}

describe('package boundaries', () => {
  const kinds = builtinRegistry().kinds();
  const kindLiteral = new RegExp(`['"\`](${kinds.join('|')})['"\`]`);

  it('knows the built-in kinds (the check below is not vacuous)', () => {
    expect(kinds).toEqual(
      expect.arrayContaining(['system_file', 'docker_container', 'ssh_exec', 'git_repo']),
    );
    expect(kinds.length).toBeGreaterThanOrEqual(12);
  });

  it('core, config and the CLI name no built-in kind outside the implicit per-host resources', () => {
    // The spec defines the implicit `_stratum_*` resources as data; config produces them.
    const implicit = (path: string) => /implicit-resources\.ts$|tuning-scripts\.ts$/.test(path);
    expect(findings('core', kindLiteral)).toEqual([]);
    expect(findings('config', kindLiteral, implicit)).toEqual([]);
    expect(findings('cli', kindLiteral)).toEqual([]);
  });

  it('the implicit resources prefix is written once, in core', () => {
    const prefix = /['"`]_stratum_/;
    const home = (path: string) => path.endsWith(join('core', 'src', 'implicit.ts'));
    for (const pkg of ['core', 'config', 'cli']) expect(findings(pkg, prefix, home)).toEqual([]);
  });

  it('core imports no provider and no ssh2; config no provider', () => {
    const provider = /from '@stratum\/provider-|from 'ssh2'|require\('ssh2'\)/;
    expect(findings('core', provider)).toEqual([]);
    expect(findings('config', provider)).toEqual([]);
    expect(findings('config', /from '@stratum\/cli'/)).toEqual([]);
  });

  it('only provider-ssh speaks ssh2, and no provider spawns ssh', () => {
    const ssh2 = /from 'ssh2'|require\('ssh2'\)/;
    for (const pkg of ['provider-system', 'provider-docker', 'provider-git', 'cli']) {
      expect(findings(pkg, ssh2)).toEqual([]);
    }
    const spawnSsh = /(spawn|execFile|execa)\(['"]ssh['"]/;
    for (const pkg of ['provider-ssh', 'provider-system', 'provider-docker', 'provider-git', 'cli']) {
      expect(findings(pkg, spawnSsh)).toEqual([]);
    }
  });

  it('providers do not import each other', () => {
    for (const pkg of ['provider-system', 'provider-docker', 'provider-git']) {
      expect(findings(pkg, /from '@stratum\/provider-/)).toEqual([]);
    }
  });
});
