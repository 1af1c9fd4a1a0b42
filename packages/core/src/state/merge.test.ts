import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import { resourceState, stateWith } from '../test/state-builders';
import { loadState } from './load';
import { mergeStateFiles } from './merge';
import { saveState } from './save';

let dir: string;
let a: string;
let b: string;
let c: string;
let out: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-merge-'));
  [a, b, c, out] = ['infra.json', 'app.json', 'extra.json', 'host.json'].map((f) => join(dir, f)) as [
    string,
    string,
    string,
    string,
  ];
  await saveState(a, stateWith(resourceState('system_package', 'docker'), resourceState('ssh_exec', 'swap')));
  await saveState(b, stateWith(resourceState('docker_container', 'web')));
  await saveState(c, stateWith(resourceState('git_repo', 'site')));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<StratumError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(StratumError.isInstance(error)).toBe(true);
  return error as StratumError;
}

describe('mergeStateFiles', () => {
  it('merges two or more files into a new one and reports the counts', async () => {
    expect(await mergeStateFiles([a, b, c], out)).toEqual({ files: 3, resources: 4, output: out });
    const merged = await loadState(out);
    expect(Object.keys(merged.resources)).toEqual([
      'docker_container.web',
      'git_repo.site',
      'ssh_exec.swap',
      'system_package.docker',
    ]);
  });

  it('refuses an existing output and leaves it alone', async () => {
    await writeFile(out, 'precious');
    const error = await failure(mergeStateFiles([a, b], out));
    expect(error.code).toBe('StateMergeOutputExists');
    expect(error.message).toBe(`refusing to overwrite existing state file ${out}`);
    expect(await readFile(out, 'utf8')).toBe('precious');
  });

  it('refuses a key present in two inputs, naming both, and writes nothing', async () => {
    await saveState(c, stateWith(resourceState('docker_container', 'web')));
    const error = await failure(mergeStateFiles([a, b, c], out));
    expect(error.code).toBe('StateMergeConflict');
    expect(error.message).toBe(`key docker_container.web present in both ${b} and ${c} — refusing to merge`);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });

  it('needs at least two inputs', async () => {
    const error = await failure(mergeStateFiles([a], out));
    expect(error.code).toBe('StateMergeInputs');
    expect(error.message).toBe('state merge needs at least two input files, got 1');
  });

  it('refuses an input that does not exist rather than merging an empty state', async () => {
    const error = await failure(mergeStateFiles([a, join(dir, 'typo.json')], out));
    expect(error.code).toBe('StateMergeInputs');
    expect(error.message).toBe(`state file ${join(dir, 'typo.json')} does not exist`);
  });

  it('refuses a corrupt input with the load error', async () => {
    await writeFile(b, '{');
    const error = await failure(mergeStateFiles([a, b], out));
    expect(error.code).toBe('StateCorrupt');
  });
});
