import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import { loadState, parseState } from './load';
import { saveState } from './save';

/** What the Rust implementation's `serde_json::to_string_pretty` writes for the spec's example. */
const SPEC_EXAMPLE = `{
  "version": 1,
  "resources": {
    "docker_container.traefik": {
      "addr": {
        "kind": "docker_container",
        "name": "traefik"
      },
      "provider": "docker",
      "attrs": {
        "host": "root@192.0.2.10",
        "image": "traefik:v2.11",
        "container_id": "abc123",
        "env": {
          "POSTGRES_PASSWORD": {
            "__secret": "pg_password",
            "__secret_sha256": "sha256:f7c3bc1d808e04"
          }
        },
        "ports": [
          "80:80",
          "443:443"
        ],
        "labels": {},
        "volumes": []
      }
    },
    "system_package.docker": {
      "addr": {
        "kind": "system_package",
        "name": "docker"
      },
      "provider": "system",
      "attrs": {
        "host": "root@192.0.2.10",
        "name": "docker.io"
      }
    }
  }
}
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectStateError(promise: Promise<unknown>, code: string): Promise<StratumError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(StratumError.hasCode(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
  return error as StratumError;
}

describe('loadState', () => {
  it('treats a missing file as an empty state', async () => {
    expect(await loadState(join(dir, 'nope.json'))).toEqual({ version: 1, resources: {} });
  });

  it('reads the spec example and writes it back byte for byte', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, SPEC_EXAMPLE);
    const state = await loadState(path);
    expect(Object.keys(state.resources)).toEqual(['docker_container.traefik', 'system_package.docker']);
    expect(state.resources['system_package.docker']).toEqual({
      addr: { kind: 'system_package', name: 'docker' },
      provider: 'system',
      attrs: { host: 'root@192.0.2.10', name: 'docker.io' },
    });
    const copy = join(dir, 'copy.json');
    await saveState(copy, state);
    expect(await readFile(copy, 'utf8')).toBe(SPEC_EXAMPLE);
  });

  it('defaults a missing version to 1', () => {
    expect(parseState('{"resources":{}}', 's.json')).toEqual({ version: 1, resources: {} });
  });

  it('keeps an attribute named __proto__ as a plain key', () => {
    const text =
      '{"version":1,"resources":{"a_b.c":{"addr":{"kind":"a_b","name":"c"},"provider":"a","attrs":{"__proto__":{"x":1}}}}}';
    const state = parseState(text, 's.json');
    const attrs = state.resources['a_b.c']!.attrs as Record<string, unknown>;
    expect(Object.keys(attrs)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
  });

  it('rejects a file that is not JSON, naming the file, and leaves it alone', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, '{"version": 1, "resources": {');
    const error = await expectStateError(loadState(path), 'StateCorrupt');
    expect(error.message).toContain(`state file ${path} is not valid JSON`);
    expect(error.hint).toMatch(/never replaces/);
    expect(await readFile(path, 'utf8')).toBe('{"version": 1, "resources": {');
  });

  it('rejects a foreign JSON file with the path of the first problem', async () => {
    const path = join(dir, 'package.json');
    await writeFile(path, '{"name":"x","version":"1.0.0"}');
    const error = await expectStateError(loadState(path), 'StateCorrupt');
    expect(error.message).toMatch(
      new RegExp(`^state file ${path} is not a stratum state file: at \`version\`: `),
    );
  });

  it.each([
    ['an array', '[]', 'top level'],
    ['missing resources', '{"version":1}', '`resources`'],
    [
      'an entry without attrs',
      '{"resources":{"a_b.c":{"addr":{"kind":"a_b","name":"c"},"provider":"a"}}}',
      '`resources.a_b.c.attrs`',
    ],
    [
      'a non-string provider',
      '{"resources":{"a_b.c":{"addr":{"kind":"a_b","name":"c"},"provider":1,"attrs":{}}}}',
      '`resources.a_b.c.provider`',
    ],
    ['an unknown field', '{"version":1,"resources":{},"serial":3}', 'top level'],
    [
      'an unknown field in an entry',
      '{"resources":{"a_b.c":{"addr":{"kind":"a_b","name":"c"},"provider":"a","attrs":{},"lineage":"x"}}}',
      '`resources.a_b.c`',
    ],
    [
      'an unknown field in an address',
      '{"resources":{"a_b.c":{"addr":{"kind":"a_b","name":"c","index":0},"provider":"a","attrs":{}}}}',
      '`resources.a_b.c.addr`',
    ],
    ['version 0', '{"version":0,"resources":{}}', '`version`'],
    ['a fractional version', '{"version":1.5,"resources":{}}', '`version`'],
  ])('rejects %s', (_what, text, where) => {
    let error: unknown;
    try {
      parseState(text, 'x.json');
    } catch (e) {
      error = e;
    }
    expect(StratumError.hasCode(error, 'StateCorrupt')).toBe(true);
    expect((error as Error).message).toContain(`at ${where}:`);
  });

  it('rejects an entry whose key is not its address', () => {
    const text =
      '{"version":1,"resources":{"a_b.other":{"addr":{"kind":"a_b","name":"c"},"provider":"a","attrs":{}}}}';
    expect(() => parseState(text, 'x.json')).toThrow('entry `a_b.other` has addr `a_b.c`');
  });

  it('rejects a __proto__ resource key', () => {
    const text =
      '{"version":1,"resources":{"__proto__":{"addr":{"kind":"a_b","name":"c"},"provider":"a","attrs":{}}}}';
    expect(() => parseState(text, 'x.json')).toThrow(/entry `__proto__`/);
  });

  it('rejects a newer format version with an upgrade hint', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, '{"version":2,"resources":{},"whatever":true}');
    const error = await expectStateError(loadState(path), 'StateVersionUnsupported');
    expect(error.message).toBe(`state file ${path} has format version 2; this stratum reads version 1`);
    expect(error.hint).toMatch(/upgrade stratum/);
  });

  it('reports an unreadable path (a directory) as StateUnreadable', async () => {
    const path = join(dir, 'adir');
    await mkdir(path);
    const error = await expectStateError(loadState(path), 'StateUnreadable');
    expect(error.message).toContain(`cannot read state file ${path}`);
  });

  it.skipIf(process.getuid?.() === 0)(
    'reports a file without read permission as StateUnreadable',
    async () => {
      const path = join(dir, 'state.json');
      await writeFile(path, SPEC_EXAMPLE);
      await chmod(path, 0o000);
      await expectStateError(loadState(path), 'StateUnreadable');
    },
  );
});
