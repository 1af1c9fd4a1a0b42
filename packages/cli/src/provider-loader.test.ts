import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ProviderDecl } from '@stratum/config';
import { describe, expect, it } from 'vitest';
import { loadThirdPartyProviders, searchDirs } from './provider-loader';

/** A directory with a fake provider package installed in its node_modules. */
function projectWith(pkg: string, entry: string, manifest: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-provider-'));
  installInto(dir, pkg, entry, manifest);
  return dir;
}

function installInto(dir: string, pkg: string, entry: string, manifest: Record<string, unknown> = {}) {
  const pkgDir = join(dir, 'node_modules', pkg);
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(
    join(pkgDir, 'package.json'),
    JSON.stringify({ name: pkg, type: 'module', main: 'index.js', ...manifest }),
  );
  writeFileSync(join(pkgDir, 'index.js'), entry);
}

const motd = `export default { name: 'motd', kinds: { motd_banner: {} } };`;

const decl = (name: string, source: string, file?: string): ProviderDecl => ({
  name,
  attrs: { source },
  ...(file === undefined ? {} : { file, source: { block: { file, line: 3, column: 1 }, attrs: {} } }),
});

async function failure(promise: Promise<unknown>): Promise<{ message: string; details: readonly string[] }> {
  try {
    await promise;
  } catch (error) {
    return error as { message: string; details: readonly string[] };
  }
  throw new Error('expected a rejection');
}

describe('loadThirdPartyProviders', () => {
  it('loads a default-exported provider resolved from the config directory', async () => {
    const dir = projectWith('stratum-provider-motd', motd);
    const [provider] = await loadThirdPartyProviders(
      [decl('motd', 'stratum-provider-motd', join(dir, 'x.strat'))],
      dir,
    );
    expect(provider?.name).toBe('motd');
  });

  it('resolves from the config directory when the config path is relative to another working directory', async () => {
    // The case a relative `-c` made fail before: the config's directory, absolute, is the first place to look.
    const project = projectWith('stratum-provider-motd', motd);
    const cwd = mkdtempSync(join(tmpdir(), 'stratum-cwd-'));
    const file = relative(cwd, join(project, 'conf', 'x.strat'));
    mkdirSync(join(project, 'conf'));
    const [provider] = await loadThirdPartyProviders([decl('motd', 'stratum-provider-motd', file)], cwd);
    expect(provider?.name).toBe('motd');
  });

  it('loads an ESM-only package whose exports offer only `import`', async () => {
    const dir = projectWith('esm-only', `export default { name: 'esm', kinds: {} };`, {
      main: undefined,
      exports: { '.': { import: './index.js' } },
    });
    const [provider] = await loadThirdPartyProviders([decl('esm', 'esm-only', join(dir, 'a.strat'))], dir);
    expect(provider?.name).toBe('esm');
  });

  it('falls back to the working directory when the config directory has no such package', async () => {
    const cwd = projectWith('stratum-provider-motd', motd);
    const elsewhere = mkdtempSync(join(tmpdir(), 'stratum-conf-'));
    const [provider] = await loadThirdPartyProviders(
      [decl('motd', 'stratum-provider-motd', join(elsewhere, 'a.strat'))],
      cwd,
    );
    expect(provider?.name).toBe('motd');
  });

  it('looks in the config directory, the working directory and beside the CLI, in that order', () => {
    expect(searchDirs(decl('x', 'p', '/srv/conf/a.strat'), '/work', '/usr/lib/stratum')).toEqual([
      '/srv/conf',
      '/work',
      '/usr/lib/stratum',
    ]);
    expect(searchDirs(decl('x', 'p', 'a.strat'), '/work', '/usr/lib/stratum')).toEqual([
      '/work',
      '/usr/lib/stratum',
    ]);
  });

  it('accepts a named `provider` factory', async () => {
    const dir = projectWith('p2', `export function provider() { return { name: 'p2', kinds: {} }; }`);
    const [provider] = await loadThirdPartyProviders([decl('p2', 'p2', join(dir, 'a.strat'))], dir);
    expect(provider?.name).toBe('p2');
  });

  it('skips provider blocks without source', async () => {
    expect(await loadThirdPartyProviders([{ name: 'docker', attrs: {} }], tmpdir())).toEqual([]);
  });

  it('says where it looked for a package it cannot find', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratum-empty-'));
    const error = await failure(
      loadThirdPartyProviders([decl('x', 'not-installed-pkg', join(dir, 'a.strat'))], dir),
    );
    expect(error.message).toBe('a.strat:3:1: provider `x`: cannot find package not-installed-pkg');
    expect(error.details[0]).toBe('looked in:');
    expect(error.details[1]).toBe(`  - ${dir}`);
    expect(error.details).toHaveLength(3); // the config's (= working) directory, then beside the CLI
  });

  it('names the exports of a package that exports no provider', async () => {
    const dir = projectWith(
      'odd',
      `export const motdProvider = { name: 'odd', kinds: {} }; export const other = 1;`,
    );
    const error = await failure(loadThirdPartyProviders([decl('odd', 'odd', join(dir, 'a.strat'))], dir));
    expect(error.message).toBe(
      'a.strat:3:1: provider `odd`: package odd does not export a provider as `default` or `provider`',
    );
    expect(error.details).toEqual(['its exports: motdProvider, other']);
  });

  it('explains a name mismatch and a package that fails to load', async () => {
    const named = projectWith('stratum-provider-motd', motd);
    await expect(
      loadThirdPartyProviders([decl('banner', 'stratum-provider-motd', join(named, 'a.strat'))], named),
    ).rejects.toThrow('provider `banner`: package stratum-provider-motd provides `motd`, not `banner`');
    const broken = projectWith('broken', `throw new Error('boom at import');`);
    await expect(
      loadThirdPartyProviders([decl('broken', 'broken', join(broken, 'a.strat'))], broken),
    ).rejects.toThrow('provider `broken`: package broken failed to load: boom at import');
  });
});
