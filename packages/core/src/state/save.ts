import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { addrKey } from '../addr';
import type { State } from '../types';
import { StateError } from './errors';
import { errorText } from './load';
import { serializeState } from './schema';

/**
 * Writes `state` to `path` atomically: the text goes to a temporary file in the
 * same directory, which is flushed to disk and then renamed over `path`; the
 * directory is flushed last so the rename itself survives a crash. A reader (or
 * a crash at any moment) sees either the old file or the new one, never a mix.
 * On failure the temporary file is removed and the old file is left untouched.
 *
 * Parent directories are created as needed. See {@link serializeState} for the
 * exact format.
 */
export async function saveState(path: string, state: State): Promise<void> {
  for (const [key, entry] of Object.entries(state.resources)) {
    if (key !== addrKey(entry.addr)) {
      throw new StateError(
        'StateWriteFailed',
        path,
        `refusing to write state file ${path}: entry \`${key}\` has addr \`${addrKey(entry.addr)}\``,
        { hint: 'this is a bug in the caller: key every entry by its own `<kind>.<name>`' },
      );
    }
  }
  const text = serializeState(state);
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const mode = await existingMode(path);
    const handle = await open(temp, 'wx', mode ?? 0o666);
    try {
      // open() applies the umask; an existing file's bits are restored exactly.
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new StateError('StateWriteFailed', path, `cannot write state file ${path}: ${errorText(error)}`, {
      hint: 'check free space and permissions of the directory; the previous state file was left as it was',
      cause: error,
    });
  }
  await syncDir(dir);
}

/** The permission bits of the file being replaced, so a save keeps them (a new file gets 0666 minus the umask). */
async function existingMode(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/**
 * Flushes a directory entry change (the rename) to disk. Some file systems do
 * not support fsync on a directory; the data is already safe in the file then,
 * so that failure is not worth failing an apply for.
 */
async function syncDir(dir: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // See above: best effort by design.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
