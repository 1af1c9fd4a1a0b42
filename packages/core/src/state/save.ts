import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { addrKey } from '../addr';
import type { ResourceState, State } from '../types';
import { StateError } from './errors';
import { compactedLine, journalPathFor, stateDigest } from './journal';
import { errorText } from './load';
import { serializeState } from './schema';
import { stateTarget } from './target';

/**
 * Writes `state` to `path` atomically: the text goes to a temporary file in the
 * same directory, which is flushed to disk and then renamed over `path`; the
 * directory is flushed last so the rename itself survives a crash. A reader (or
 * a crash at any moment) sees either the old file or the new one, never a mix.
 * On failure the temporary file is removed and the old file is left untouched.
 *
 * The file then holds the whole state: a journal beside it (see `journal.ts`)
 * is folded in — marked `compacted` before the rename, removed after it — so a
 * crash at any moment leaves a file and journal that read as one state.
 *
 * A symlinked state file is written through to its target (see `stateTarget`).
 * Parent directories are created as needed. See {@link serializeState} for the
 * exact format.
 */
export async function saveState(statePath: string, state: State): Promise<void> {
  await writeStateFile(statePath, state);
}

/** {@link saveState}, returning the digest of the bytes written (what a new journal's header names). */
export async function writeStateFile(statePath: string, state: State): Promise<string> {
  const path = await stateTarget(statePath);
  for (const [key, entry] of Object.entries(state.resources)) checkEntryKey(statePath, key, entry);
  const text = serializeState(state);
  const digest = stateDigest(text);
  const journal = journalPathFor(path);
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const folding = await markCompacted(journal, digest);
    const mode = await existingMode(path);
    const handle = await open(temp, 'wx', mode ?? NEW_STATE_MODE);
    try {
      // open() applies the umask; an existing file's bits are restored exactly.
      if (mode !== undefined) await handle.chmod(mode);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    if (folding) await unlink(journal).catch(ignoreMissing);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw new StateError(
      'StateWriteFailed',
      statePath,
      `cannot write state file ${statePath}: ${errorText(error)}`,
      {
        hint: 'check free space and permissions of the directory; the previous state file was left as it was',
        cause: error,
      },
    );
  }
  await syncDir(dir);
  return digest;
}

/** Refuses an entry filed under another key than its own `<kind>.<name>`: state would read back wrong. */
export function checkEntryKey(statePath: string, key: string, entry: ResourceState): void {
  if (key === addrKey(entry.addr)) return;
  throw new StateError(
    'StateWriteFailed',
    statePath,
    `refusing to write state file ${statePath}: entry \`${key}\` has addr \`${addrKey(entry.addr)}\``,
    { hint: 'this is a bug in the caller: key every entry by its own `<kind>.<name>`' },
  );
}

/**
 * Appends the `compacted` record to the journal, if there is one: from the
 * rename on, the journal's header no longer matches the file, and this record
 * tells a reader that the file already holds everything the journal did. A
 * cut-off last line (a crash mid-append) is cut away first, so the record
 * starts a line of its own.
 */
async function markCompacted(journal: string, digest: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    // No O_CREAT: a journal that is not there is not made.
    handle = await open(journal, constants.O_RDWR);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const text = await handle.readFile();
    const complete = text.lastIndexOf(0x0a) + 1;
    if (complete < text.length) await handle.truncate(complete);
    await handle.write(compactedLine(digest), complete, 'utf8');
    await handle.datasync();
  } finally {
    await handle.close();
  }
  return true;
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/**
 * A new state file is readable by its owner only: it holds every resource's
 * attributes and the digests of secrets, which is nobody else's business.
 */
const NEW_STATE_MODE = 0o600;

/** The permission bits of the file being replaced, so a save keeps them (a new file gets {@link NEW_STATE_MODE}). */
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
export async function syncDir(dir: string): Promise<void> {
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
