import { lstat, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resourceState, stateWith } from '../test/state-builders';
import { loadState } from './load';
import { acquireStateLock } from './lock';
import { saveState } from './save';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-state-link-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const one = stateWith(resourceState('demo_thing', 'a', { host: 'h' }));

describe('a symlinked state file', () => {
  it('is read through and written through: the link stays a link', async () => {
    const target = join(dir, 'real.json');
    const link = join(dir, 'state.json');
    await saveState(target, stateWith());
    await symlink('real.json', link);

    await saveState(link, one);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe('real.json');
    expect(JSON.parse(await readFile(target, 'utf8')).resources).toHaveProperty(['demo_thing.a']);
    expect(await loadState(link)).toEqual(one);
  });

  it('is locked beside its target, so two links to one file share one lock', async () => {
    const target = join(dir, 'real.json');
    await saveState(target, one);
    await symlink(target, join(dir, 'a.json'));
    await symlink(target, join(dir, 'b.json'));
    const lock = await acquireStateLock(join(dir, 'a.json'));
    expect(lock.path).toBe(`${target}.lock`);
    await expect(acquireStateLock(join(dir, 'b.json'))).rejects.toMatchObject({ code: 'StateLocked' });
    await lock.release();
  });

  it('pointing nowhere is an error, not an empty state, and is not replaced by a save', async () => {
    const link = join(dir, 'state.json');
    await symlink('gone.json', link);
    const message = `state file ${link} is a symbolic link to ${join(dir, 'gone.json')}, which does not exist`;
    await expect(loadState(link)).rejects.toMatchObject({ code: 'StateUnreadable', message });
    await expect(saveState(link, one)).rejects.toMatchObject({ code: 'StateUnreadable' });
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
  });
});

describe('a new state file', () => {
  it('is created readable by its owner only; an existing file keeps its mode', async () => {
    const path = join(dir, 'new.json');
    await saveState(path, one);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const shared = join(dir, 'shared.json');
    await writeFile(shared, '{"version":1,"resources":{}}\n', { mode: 0o640 });
    await saveState(shared, one);
    expect((await stat(shared)).mode & 0o777).toBe(0o640);
  });
});
