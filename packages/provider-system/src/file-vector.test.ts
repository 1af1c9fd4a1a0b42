import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observed, Probe } from '@stratum/core';
import { shellQuote } from '@stratum/core/kit';
import { createLocalShellTransport } from '@stratum/core/test';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { runProbe } from './__tests__/probe';
import { fileProbe, fileVectorReader, vectorSections } from './file-probe';

/**
 * The vector read of many files must say, for every path, exactly what that
 * file's own probe says, or nothing (then the engine runs the own probe).
 * Checked against a real shell on this machine, in a temp dir only.
 */

const dir = mkdtempSync(join(tmpdir(), 'stratum-file-vector-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const transport = createLocalShellTransport();

function probeOf(path: string): Probe {
  return fileProbe({
    kind: 'system_file',
    host: 'local',
    path,
    prior: { host: 'local', path, mode: '0644' },
  });
}

/** Each path read by the vector (undefined where it left the path to the own probe). */
async function vectorRead(paths: readonly string[]): Promise<(Observed | undefined)[]> {
  // As a probe batch runs each snippet: a subshell, stdin from /dev/null, stderr folded in.
  const wrapped = `( eval ${shellQuote(fileVectorReader.script(paths))} ) </dev/null 2>&1`;
  const { stdout: output, exitCode } = await transport.exec('local', wrapped);
  return fileVectorReader
    .split(output, exitCode, paths)
    .map((run, at) => (run === undefined ? undefined : probeOf(paths[at]!).parse(run.output, run.exitCode)));
}

describe('the file vector read', () => {
  it('agrees with each file’s own probe; files it cannot read are left to their own probe', async () => {
    const files = ['plain', "it's $(odd) name", 'pipe|in|name', 'new\nline', '-dash', 'ünï cødé', ' spaced '];
    const paths = files.map((name, i) => {
      const path = join(dir, name);
      writeFileSync(path, `content ${i}\n`);
      chmodSync(path, 0o600 + i);
      return path;
    });
    const missing = join(dir, 'missing');
    const directory = join(dir, 'a-dir');
    mkdirSync(directory);
    const dangling = join(dir, 'dangling');
    symlinkSync(join(dir, 'nowhere'), dangling);
    const all = [...paths, missing, directory, dangling, paths[0]!];

    const vector = await vectorRead(all);
    for (const [at, path] of all.entries()) {
      const own = await runProbe(transport, probeOf(path));
      if (path === directory || path === dangling) {
        expect(vector[at]).toBeUndefined();
        expect(own.status).toBe('unknown');
      } else {
        expect(vector[at]).toEqual(own);
      }
    }
    expect(vector.at(-4)).toEqual({ status: 'absent' });
  });

  it('agrees with the own probe for any file names (property)', async () => {
    const nameChar = fc.constantFrom(...'aZ09 -_.|$\'"\\`\n\t*?[]~é'.split(''));
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(
          fc.array(nameChar, { minLength: 1, maxLength: 12 }).map((cs) => cs.join('')),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        async (names, exists) => {
          const sub = mkdtempSync(join(dir, 'p-'));
          const paths = names
            .filter((name) => name !== '.' && name !== '..')
            .map((name, i) => {
              const path = join(sub, name);
              if (exists[i]) writeFileSync(path, name);
              return path;
            });
          const vector = await vectorRead(paths);
          for (const [at, path] of paths.entries())
            expect(vector[at]).toEqual(await runProbe(transport, probeOf(path)));
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('vectorSections', () => {
  it('splits NUL-terminated records between headings', () => {
    expect(vectorSections('M\n/a\0/b\0\nS\n\nH\nx\0\nEND\n', ['M', 'S', 'H'])).toEqual([
      ['/a', '/b'],
      [],
      ['x'],
    ]);
  });
  it('takes a heading only where a record may start, and refuses torn or trailing output', () => {
    expect(vectorSections('M\n/a\nS\n\0\nS\n\nH\n\nEND\n', ['M', 'S', 'H'])).toEqual([['/a\nS\n'], [], []]);
    expect(vectorSections('M\n/a\0\nS\n/b', ['M', 'S', 'H'])).toBeUndefined();
    expect(vectorSections('M\n\nS\n\nH\n\nEND\nextra', ['M', 'S', 'H'])).toBeUndefined();
    expect(vectorSections('banner\nM\n\nS\n\nH\n\nEND\n', ['M', 'S', 'H'])).toBeUndefined();
  });
});
