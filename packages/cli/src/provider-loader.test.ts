import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadThirdPartyProviders, providerSettings } from './provider-loader';

/** A project dir with a fake provider package installed in its node_modules. */
function projectWith(pkg: string, entry: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-provider-'));
  const pkgDir = join(dir, 'node_modules', pkg);
  mkdirSync(pkgDir, { recursive: true });
  writeFileSync(
    join(pkgDir, 'package.json'),
    JSON.stringify({ name: pkg, type: 'module', main: 'index.js' }),
  );
  writeFileSync(join(pkgDir, 'index.js'), entry);
  return dir;
}

const motd = `export default { name: 'motd', kinds: { motd_banner: {} } };`;

describe('loadThirdPartyProviders', () => {
  it('loads a default-exported provider resolved from the config directory', async () => {
    const dir = projectWith('stratum-provider-motd', motd);
    const decl = {
      name: 'motd',
      attrs: { source: 'stratum-provider-motd', greeting: 'hi' },
      file: join(dir, 'x.strat'),
    };
    const [provider] = await loadThirdPartyProviders([decl], dir);
    expect(provider?.name).toBe('motd');
    expect(providerSettings(decl)).toEqual({ greeting: 'hi' });
  });

  it('accepts a named `provider` factory', async () => {
    const dir = projectWith('p2', `export function provider() { return { name: 'p2', kinds: {} }; }`);
    const [provider] = await loadThirdPartyProviders(
      [{ name: 'p2', attrs: { source: 'p2' }, file: join(dir, 'a.strat') }],
      dir,
    );
    expect(provider?.name).toBe('p2');
  });

  it('skips provider blocks without source', async () => {
    expect(await loadThirdPartyProviders([{ name: 'docker', attrs: {} }], tmpdir())).toEqual([]);
  });

  it('explains a missing package, a wrong export and a name mismatch', async () => {
    const dir = projectWith('odd', `export const nothing = 1;`);
    const at = join(dir, 'a.strat');
    await expect(
      loadThirdPartyProviders([{ name: 'x', attrs: { source: 'not-installed-pkg' }, file: at }], dir),
    ).rejects.toThrow('provider `x`: cannot find package not-installed-pkg');
    await expect(
      loadThirdPartyProviders([{ name: 'odd', attrs: { source: 'odd' }, file: at }], dir),
    ).rejects.toThrow('provider `odd`: package odd does not export a provider');
    const named = projectWith('stratum-provider-motd', motd);
    await expect(
      loadThirdPartyProviders(
        [{ name: 'banner', attrs: { source: 'stratum-provider-motd' }, file: join(named, 'a.strat') }],
        named,
      ),
    ).rejects.toThrow('provider `banner`: package stratum-provider-motd provides `motd`, not `banner`');
  });
});
