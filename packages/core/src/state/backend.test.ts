import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resourceState, stateWith } from '../test/state-builders';
import { fileStateBackend, splitStateBackend } from './backend';
import { StateLockedError } from './errors';
import { acquireStateLock, lockPathFor } from './lock';
import { STATE_VERSION } from './schema';

let dir: string;
let statePath: string;
let nsPath: string;
let sharedPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-backend-'));
  statePath = join(dir, 'state.json');
  nsPath = join(dir, 'app.json');
  sharedPath = join(dir, '_shared.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8'));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('fileStateBackend', () => {
  it('reads an empty state before anything was written, then round-trips under its lock', async () => {
    const backend = fileStateBackend(statePath);
    expect(backend.location).toBe(statePath);
    expect(await backend.read()).toEqual({ version: STATE_VERSION, resources: {} });

    const lease = await backend.lock({ command: 'stratum apply' });
    expect(existsSync(lockPathFor(statePath))).toBe(true);
    expect(await readJson(lockPathFor(statePath))).toMatchObject({
      pid: process.pid,
      host: hostname(),
      command: 'stratum apply',
    });
    const state = stateWith(resourceState('demo_thing', 'a', { host: 'h', v: 1 }));
    await backend.write(state, 'demo_thing.a');
    expect(await backend.read()).toEqual(state);
    await lease.release();
    await lease.release();
    expect(existsSync(lockPathFor(statePath))).toBe(false);
  });

  it('refuses a second lock while the first is held, and grants it after release', async () => {
    const backend = fileStateBackend(statePath);
    const lease = await backend.lock();
    const error = await rejection(fileStateBackend(statePath).lock());
    expect(StateLockedError.isInstance(error)).toBe(true);
    expect((error as StateLockedError).holder?.pid).toBe(process.pid);
    await lease.release();
    const again = await backend.lock();
    await again.release();
  });
});

describe('splitStateBackend', () => {
  it('writes the implicit `_stratum_*` entries to the shared file, the rest to the namespace file', async () => {
    const backend = splitStateBackend(nsPath, sharedPath);
    expect(backend.location).toBe(nsPath);
    const swap = resourceState('demo_swap', '_stratum_swap', { host: 'h' });
    const web = resourceState('demo_thing', 'web', { host: 'h' });
    const lookalike = resourceState('demo_thing', 'stratum_web', { host: 'h' });
    await backend.write(stateWith(swap, web, lookalike), 'demo_thing.web');
    expect(Object.keys((await readJson(sharedPath)).resources)).toEqual(['demo_swap._stratum_swap']);
    expect(Object.keys((await readJson(nsPath)).resources).sort()).toEqual([
      'demo_thing.stratum_web',
      'demo_thing.web',
    ]);
    expect(await backend.read()).toEqual(stateWith(swap, web, lookalike));
  });

  it('reads the shared entries another namespace wrote', async () => {
    const swap = resourceState('demo_swap', '_stratum_swap', { host: 'h' });
    await splitStateBackend(join(dir, 'infra.json'), sharedPath).write(
      stateWith(swap),
      'demo_swap._stratum_swap',
    );
    expect((await splitStateBackend(nsPath, sharedPath).read()).resources).toEqual({
      'demo_swap._stratum_swap': swap,
    });
  });

  it('locks both files and releases both', async () => {
    const backend = splitStateBackend(nsPath, sharedPath);
    const lease = await backend.lock({ command: 'stratum apply -n app' });
    expect(existsSync(lockPathFor(nsPath))).toBe(true);
    expect(existsSync(lockPathFor(sharedPath))).toBe(true);
    expect((await readJson(lockPathFor(sharedPath))).command).toBe('stratum apply -n app');
    // Another namespace sharing the host is refused while we hold the shared file.
    const other = await rejection(splitStateBackend(join(dir, 'infra.json'), sharedPath).lock());
    expect(StateLockedError.isInstance(other)).toBe(true);
    expect(existsSync(lockPathFor(join(dir, 'infra.json')))).toBe(false);
    await lease.release();
    expect(existsSync(lockPathFor(nsPath))).toBe(false);
    expect(existsSync(lockPathFor(sharedPath))).toBe(false);
  });

  it('releases the namespace lock when the shared one is held by someone else', async () => {
    const held = await acquireStateLock(sharedPath, { command: 'stratum apply -n infra' });
    const error = await rejection(splitStateBackend(nsPath, sharedPath).lock());
    expect(StateLockedError.isInstance(error)).toBe(true);
    expect((error as StateLockedError).path).toBe(lockPathFor(sharedPath));
    expect(existsSync(lockPathFor(nsPath))).toBe(false);
    expect(existsSync(lockPathFor(sharedPath))).toBe(true);
    await held.release();
    const lease = await splitStateBackend(nsPath, sharedPath).lock();
    await lease.release();
  });

  it('never touches the shared lock when the namespace is held', async () => {
    const held = await acquireStateLock(nsPath);
    const error = await rejection(splitStateBackend(nsPath, sharedPath).lock());
    expect(StateLockedError.isInstance(error)).toBe(true);
    expect(existsSync(lockPathFor(sharedPath))).toBe(false);
    await held.release();
  });

  it('propagates a corrupt shared file on read', async () => {
    await writeFile(sharedPath, 'not json');
    await expect(splitStateBackend(nsPath, sharedPath).read()).rejects.toMatchObject({
      code: 'StateCorrupt',
    });
  });
});
