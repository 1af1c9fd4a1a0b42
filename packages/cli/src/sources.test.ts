import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chosenState, isStateUrl, type NamespaceEntry, resolveSources } from './sources';

const cwd = mkdtempSync(join(tmpdir(), 'stratum-sources-'));
writeFileSync(join(cwd, 'stratum.strat'), '');
const namespaces: NamespaceEntry[] = [
  { name: 'infra', configs: [join(cwd, 'infra.strat')] },
  { name: 'app', configs: [join(cwd, 'app/web.strat')], state: join(cwd, 'custom/app.json') },
];
const readManifest = () => namespaces;

describe('resolveSources', () => {
  it('uses the bundle defaults without -n', () => {
    expect(resolveSources({}, cwd, readManifest)).toEqual({
      mode: 'bundle',
      configs: [join(cwd, 'stratum.strat')],
      statePath: join(cwd, '.stratum/state.json'),
    });
    expect(
      resolveSources({ config: ['a.strat', 'b.strat'], state: 's.json' }, cwd, readManifest),
    ).toMatchObject({
      configs: [join(cwd, 'a.strat'), join(cwd, 'b.strat')],
      statePath: join(cwd, 's.json'),
    });
  });

  it('puts the manifest first and picks the state path by priority', () => {
    const infra = resolveSources({ namespace: 'infra' }, cwd, readManifest);
    expect(infra.configs).toEqual([join(cwd, 'stratum.strat'), join(cwd, 'infra.strat')]);
    expect(infra.statePath).toBe(join(cwd, '.stratum/infra.json'));
    expect(infra.sharedStatePath).toBe(join(cwd, '.stratum/_shared.json'));
    expect(infra.siblings?.map((s) => s.name)).toEqual(['app']);
    expect(resolveSources({ namespace: 'app' }, cwd, readManifest).statePath).toBe(
      join(cwd, 'custom/app.json'),
    );
    expect(resolveSources({ namespace: 'app', state: 'x.json' }, cwd, readManifest).statePath).toBe(
      join(cwd, 'x.json'),
    );
  });

  it('refuses -n with -c, a missing manifest and an unknown namespace', () => {
    expect(() => resolveSources({ namespace: 'infra', config: ['x.strat'] }, cwd, readManifest)).toThrow(
      '-n/--namespace and -c/--config are mutually exclusive',
    );
    expect(() => resolveSources({ namespace: 'infra' }, join(cwd, 'nowhere'), readManifest)).toThrow(
      '-n infra requires a manifest, but ./stratum.strat does not exist',
    );
    expect(() => resolveSources({ namespace: 'web' }, cwd, readManifest)).toThrow(
      'namespace `web` not declared in stratum.strat (known: infra, app)',
    );
  });
});

describe('state locations that are URLs', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'stratum-sources-url-'));
  writeFileSync(join(cwd, 'stratum.strat'), '');
  const readManifest = (): NamespaceEntry[] => [{ name: 'app', configs: [] }];
  const url = 'postgres://ops@db.example/stratum';

  it('keeps a postgres:// URL as it is, and has no _shared.json for it', () => {
    expect(resolveSources({ state: url }, cwd, readManifest).statePath).toBe(url);
    const ns = resolveSources({ namespace: 'app', state: url }, cwd, readManifest);
    expect(ns.statePath).toBe(url);
    expect(ns.sharedStatePath).toBeUndefined();
  });

  it('takes STRATUM_STATE when -s is not given, and -s over it', () => {
    expect(chosenState({}, { STRATUM_STATE: url })).toBe(url);
    expect(chosenState({ state: 'x.json' }, { STRATUM_STATE: url })).toBe('x.json');
    expect(chosenState({}, { STRATUM_STATE: '' })).toBeUndefined();
    expect(isStateUrl('postgresql://h/db')).toBe(true);
    expect(isStateUrl('./postgres.json')).toBe(false);
  });
});
