import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import { resourceState, stateWith } from '../test/state-builders';
import type { JsonValue, State } from '../types';
import { loadState } from './load';
import { saveState } from './save';
import { serializeState } from './schema';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-save-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('serializeState', () => {
  it('sorts resources by key, orders entry fields, keeps attr order, ends with a newline', () => {
    const state: State = {
      version: 1,
      resources: {
        'b_x.one': { attrs: { z: 1, a: [] }, provider: 'b', addr: { name: 'one', kind: 'b_x' } },
        'a_x.two': resourceState('a_x', 'two', { m: {}, c: null }),
      },
    };
    expect(serializeState(state)).toBe(
      `{
  "version": 1,
  "resources": {
    "a_x.two": {
      "addr": {
        "kind": "a_x",
        "name": "two"
      },
      "provider": "a",
      "attrs": {
        "m": {},
        "c": null
      }
    },
    "b_x.one": {
      "addr": {
        "kind": "b_x",
        "name": "one"
      },
      "provider": "b",
      "attrs": {
        "z": 1,
        "a": []
      }
    }
  }
}
`,
    );
  });

  it('sorts keys by code point like a BTreeMap, not by UTF-16 unit', () => {
    // U+FF5E (one UTF-16 unit 0xFF5E) sorts before U+1F600 (surrogates 0xD83D...) by code point.
    const state = stateWith(resourceState('a_x', '\u{1F600}'), resourceState('a_x', '\uFF5E'));
    const keys = Object.keys(JSON.parse(serializeState(state)).resources);
    expect(keys).toEqual(['a_x.\uFF5E', 'a_x.\u{1F600}']);
  });
});

describe('saveState', () => {
  it('creates parent directories and round-trips', async () => {
    const path = join(dir, 'deep', 'er', 'state.json');
    const state = stateWith(resourceState('docker_container', 'web', { host: 'h', ports: ['80:80'] }));
    await saveState(path, state);
    expect(await loadState(path)).toEqual(state);
  });

  it('replaces the old file and leaves no temporary file behind', async () => {
    const path = join(dir, 'state.json');
    await saveState(path, stateWith(resourceState('a_x', 'one')));
    await saveState(path, stateWith(resourceState('a_x', 'two')));
    expect(Object.keys((await loadState(path)).resources)).toEqual(['a_x.two']);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('keeps the permission bits of the file it replaces', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, '{"version":1,"resources":{}}\n', { mode: 0o640 });
    await saveState(path, stateWith(resourceState('a_x', 'one')));
    expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  it('fails cleanly when the rename cannot happen, leaving what was there and no temp file', async () => {
    // A non-empty directory where the file should go: rename(2) refuses to replace it.
    const path = join(dir, 'state.json');
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'x');
    const error = await saveState(path, stateWith(resourceState('a_x', 'one'))).catch((e: unknown) => e);
    expect(StratumError.hasCode(error, 'StateWriteFailed')).toBe(true);
    expect((error as Error).message).toContain(`cannot write state file ${path}`);
    expect(await readdir(dir)).toEqual(['state.json']);
    expect(await readFile(join(path, 'keep'), 'utf8')).toBe('x');
  });

  it('refuses an entry keyed by something other than its address', async () => {
    const path = join(dir, 'state.json');
    const state: State = { version: 1, resources: { 'a_x.wrong': resourceState('a_x', 'one') } };
    await expect(saveState(path, state)).rejects.toThrow('entry `a_x.wrong` has addr `a_x.one`');
    expect(await readdir(dir)).toEqual([]);
  });

  it('round-trips any valid state (property)', async () => {
    const name = fc.string({ minLength: 1, maxLength: 12 });
    const kind = fc.tuple(fc.stringMatching(/^[a-z]{1,6}$/), fc.stringMatching(/^[a-z_]{1,8}$/));
    const entry = fc.record({ kind, name, attrs: fc.jsonValue() });
    const path = join(dir, 'prop.json');
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 6 }), async (entries) => {
        const state = stateWith(
          ...// Through JSON once: JSON has no -0, so a generated -0 is not a state value.
          entries.map((e) =>
            resourceState(
              `${e.kind[0]}_${e.kind[1]}`,
              e.name,
              JSON.parse(JSON.stringify(e.attrs)) as JsonValue,
            ),
          ),
        );
        await saveState(path, state);
        const loaded = await loadState(path);
        expect(loaded).toEqual(state);
        // Saving what was loaded reproduces the file exactly.
        expect(serializeState(loaded)).toBe(await readFile(path, 'utf8'));
      }),
      { numRuns: 150 },
    );
  });
});
