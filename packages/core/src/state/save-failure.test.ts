import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StratumError } from '../errors';
import { resourceState, stateWith } from '../test/state-builders';

// Running as root (as CI containers do), permissions cannot make a write fail;
// so the failing step is injected into node:fs/promises for this file only.
const failures = vi.hoisted(() => ({ rename: false, sync: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    rename: async (from: string, to: string) => {
      if (failures.rename) throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
      return real.rename(from, to);
    },
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
      if (failures.sync && args[1] === 'wx') {
        const sync = () =>
          Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
        return Object.assign(Object.create(Object.getPrototypeOf(handle)), handle, {
          sync,
          close: () => handle.close(),
          writeFile: handle.writeFile.bind(handle),
          chmod: handle.chmod.bind(handle),
        });
      }
      return handle;
    },
  };
});

const { saveState } = await import('./save');

const OLD = '{\n  "version": 1,\n  "resources": {}\n}\n';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stratum-savefail-'));
  failures.rename = false;
  failures.sync = false;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('saveState when the disk fails', () => {
  it.each([
    ['the rename', 'rename', /EIO/],
    ['the flush of the temp file', 'sync', /ENOSPC/],
  ] as const)(
    'leaves the old file intact and removes the temp file when %s fails',
    async (_what, step, cause) => {
      const path = join(dir, 'state.json');
      await writeFile(path, OLD);
      failures[step] = true;
      const error = await saveState(path, stateWith(resourceState('a_x', 'one'))).catch((e: unknown) => e);
      expect(StratumError.hasCode(error, 'StateWriteFailed')).toBe(true);
      expect((error as Error).message).toMatch(cause);
      expect((error as StratumError).hint).toMatch(/left as it was/);
      expect(await readFile(path, 'utf8')).toBe(OLD);
      expect(await readdir(dir)).toEqual(['state.json']);
    },
  );
});
