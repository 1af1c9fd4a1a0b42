import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSsh2, loadSsh2From, SSH2_PARTS } from './ssh2-module';

const require = createRequire(import.meta.url);

describe('loadSsh2', () => {
  it("loads ssh2's own Client and key parser, the ones its index exports, from their files", async () => {
    const index = require('ssh2');
    const loaded = await loadSsh2();
    expect(loaded.Client).toBe(index.Client);
    expect(loaded.utils.parseKey).toBe(index.utils.parseKey);
    expect(require.resolve(SSH2_PARTS.client)).toMatch(/\/ssh2\/lib\/client\.js$/);
  });

  it('leaves the parts of ssh2 stratum never uses unloaded: its server, key generator and HTTP agents', () => {
    // In a process of its own: this one has loaded ssh2's index above. Node strips the module's types.
    const module = fileURLToPath(new URL('./ssh2-module.ts', import.meta.url));
    const script = `const { loadSsh2 } = await import(${JSON.stringify(module)});
      const { Client } = await loadSsh2();
      const { createRequire } = await import('node:module');
      const files = Object.keys(createRequire(${JSON.stringify(module)}).cache).filter((f) => f.includes('/ssh2/lib/'));
      console.log(JSON.stringify({ client: typeof Client, files, http: process.moduleLoadList.includes('NativeModule http') }));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const seen = JSON.parse(run.stdout) as { client: string; files: string[]; http: boolean };
    expect(seen.client).toBe('function');
    expect(seen.files.some((file) => file.endsWith('/ssh2/lib/client.js'))).toBe(true);
    expect(seen.files.filter((file) => /\/(http-agents|server|keygen|index)\.js$/.test(file))).toEqual([]);
    expect(seen.http).toBe(false);
  });

  it("falls back to ssh2's index when a release has moved the files", async () => {
    const index = require('ssh2');
    for (const parts of [
      { client: 'ssh2/lib/moved.js', keyParser: SSH2_PARTS.keyParser },
      { client: SSH2_PARTS.client, keyParser: 'ssh2/lib/protocol/moved.js' },
      // Still there, but no longer what it was: no Client or parseKey in it.
      { client: SSH2_PARTS.keyParser, keyParser: SSH2_PARTS.client },
    ]) {
      const loaded = await loadSsh2From(parts);
      expect(loaded.Client).toBe(index.Client);
      expect(loaded.utils.parseKey).toBe(index.utils.parseKey);
    }
  });
});
