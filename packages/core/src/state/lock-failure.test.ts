import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// A full disk cannot be made on demand here (and root ignores permissions), so
// the failing write of the lock file is injected into node:fs/promises.
const failures = vi.hoisted(() => ({ lockWrite: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      if (failures.lockWrite && String(args[0]).endsWith('.lock') && args[1] === 'wx') {
        const writeFile = () =>
          Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
        return Object.assign(Object.create(Object.getPrototypeOf(handle)), handle, {
          writeFile,
          sync: handle.sync.bind(handle),
          close: () => handle.close(),
        });
      }
      return handle;
    },
  };
});

const { acquireStateLock } = await import('./lock');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-lock-failure-'));
});
afterEach(async () => {
  failures.lockWrite = false;
  await rm(dir, { recursive: true, force: true });
});

describe('a lock that cannot be written', () => {
  it('fails with StateLockFailed and leaves no lock file behind to block the next run', async () => {
    const state = join(dir, 'state.json');
    failures.lockWrite = true;
    await expect(acquireStateLock(state)).rejects.toMatchObject({
      code: 'StateLockFailed',
      message: expect.stringContaining('no space left on device'),
    });
    expect(await readdir(dir)).toEqual([]);
    failures.lockWrite = false;
    const lock = await acquireStateLock(state);
    await lock.release();
  });
});
