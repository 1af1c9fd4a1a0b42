import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXTENSION_DIR, runTool } from './run-tool';

/**
 * The extension as it ships: the client bundled with tsup (a .vsix carries no
 * node_modules), then packed by `vsce package --no-dependencies`.
 */
describe('the .vsix', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strat-vsix-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the manifest, the grammar, the language configuration and the bundled client', async () => {
    const build = await runTool('tsup', []);
    expect(build.code, build.stderr).toBe(0);
    const vsix = join(dir, 'stratum.vsix');
    const packed = await runTool('vsce', ['package', '--no-dependencies', '--out', vsix]);
    expect(packed.code, `${packed.stdout}\n${packed.stderr}`).toBe(0);

    const entries = execFileSync('unzip', ['-Z1', vsix], { encoding: 'utf8' }).split('\n');
    expect(entries).toEqual(
      expect.arrayContaining([
        'extension.vsixmanifest',
        'extension/package.json',
        'extension/syntaxes/strat.tmLanguage.json',
        'extension/language-configuration.json',
        'extension/dist/extension.cjs',
        'extension/readme.md',
        'extension/LICENSE.txt',
      ]),
    );
    expect(entries.filter((e) => e.startsWith('extension/src/') || e.includes('node_modules'))).toEqual([]);

    const manifest = JSON.parse(
      execFileSync('unzip', ['-p', vsix, 'extension/package.json'], { encoding: 'utf8' }),
    );
    expect(manifest.contributes.languages[0]).toMatchObject({ id: 'strat', extensions: ['.strat'] });
    expect(manifest.contributes.grammars[0]).toMatchObject({ language: 'strat', scopeName: 'source.strat' });

    // The client is inside the bundle; only the editor's own `vscode` module is required at run time.
    const client = execFileSync('unzip', ['-p', vsix, 'extension/dist/extension.cjs'], { encoding: 'utf8' });
    expect(client).toContain('stratum-language-server');
    expect(client).toContain('--stdio');
    const required = [...client.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(required).toContain('vscode');
    expect(required.filter((name) => name.startsWith('vscode-languageclient'))).toEqual([]);
    expect(readFileSync(join(EXTENSION_DIR, 'dist/extension.cjs'), 'utf8')).toBe(client);
  });
});
