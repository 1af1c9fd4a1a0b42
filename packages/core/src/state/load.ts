import { type FileHandle, open, readFile, stat } from 'node:fs/promises';
import { addrKey } from '../addr';
import type { ResourceState, State } from '../types';
import { firstIssue } from '../zod-issue';
import { StateError } from './errors';
import { journalPathFor, parseJournal, replayJournal, stateDigest } from './journal';
import { emptyState, orderedEntry, parsedStateFileSchema, STATE_VERSION } from './schema';
import { stateTarget } from './target';

const RESTORE_HINT =
  'restore the file from a backup or version control, or pass a different state path; stratum never replaces a state file it cannot read';

/**
 * The state at `path`: the state file, plus the journal an apply that has not
 * ended yet (or died) left beside it, replayed (see `journal.ts`). Every
 * reader — plan, apply, `state list` — sees exactly the steps that finished.
 *
 * A missing file is an empty state (a project's first plan has none). Any other
 * problem — unreadable, not JSON, not shaped like a state file, a format version
 * newer than this stratum knows, an entry whose key is not its `<kind>.<name>`,
 * a journal that is corrupt or belongs to another state file — is a
 * {@link StateError} naming the file and what is wrong. Nothing is ever modified.
 *
 * Reads take no lock, so a run may fold its journal into the file meanwhile:
 * the file is read through one open handle, and the read is repeated when the
 * path names another file afterwards, so the file and journal always belong
 * together.
 */
export async function loadState(path: string): Promise<State> {
  const target = await stateTarget(path);
  for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
    const snapshot = await readSnapshot(target, path);
    if (snapshot !== undefined) return resolveSnapshot(snapshot, target, path);
  }
  throw new StateError(
    'StateUnreadable',
    path,
    `state file ${path} was replaced ${SNAPSHOT_ATTEMPTS} times while it was being read`,
    { hint: 'another stratum run is writing it; retry when it has finished' },
  );
}

/** How often a read is repeated while runs keep replacing the file under it. */
const SNAPSHOT_ATTEMPTS = 10;

/** The state file's bytes (undefined: no file) and its journal's text (undefined: none), read together. */
interface Snapshot {
  readonly bytes: Buffer | undefined;
  readonly journal: string | undefined;
}

/** One consistent read of file and journal; undefined when the file was replaced meanwhile. */
async function readSnapshot(target: string, path: string): Promise<Snapshot | undefined> {
  let bytes: Buffer | undefined;
  let inode: number | undefined;
  let handle: FileHandle | undefined;
  try {
    handle = await open(target, 'r');
    inode = (await handle.stat()).ino;
    bytes = await handle.readFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw unreadable(path, error);
  } finally {
    await handle?.close().catch(() => undefined);
  }
  const journalPath = journalPathFor(target);
  let journal: string | undefined;
  try {
    journal = await readFile(journalPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StateError(
        'StateUnreadable',
        journalPath,
        `cannot read state journal ${journalPath}: ${errorText(error)}`,
        { hint: 'check that the state directory and the journal are readable', cause: error },
      );
    }
  }
  // A fold renames the new file in before it removes the journal, so the file
  // we read is still the one at the path only if no fold happened in between.
  const now = await stat(target).then(
    (s) => s.ino,
    () => undefined,
  );
  return now === inode ? { bytes, journal } : undefined;
}

function resolveSnapshot(snapshot: Snapshot, target: string, path: string): State {
  const base =
    snapshot.bytes === undefined ? emptyState() : parseState(snapshot.bytes.toString('utf8'), path);
  if (snapshot.journal === undefined) return base;
  const journalPath = journalPathFor(target);
  const journal = parseJournal(snapshot.journal, journalPath, path);
  if (journal === undefined) return base;
  const digest = snapshot.bytes === undefined ? undefined : stateDigest(snapshot.bytes);
  if (journal.base === digest) return replayJournal(base, journal.records);
  if (journal.compacted !== undefined && journal.compacted === digest) return base;
  const found =
    digest === undefined ? `${path} does not exist` : `${path} is another file (${digest.slice(0, 19)}…)`;
  throw new StateError(
    'StateJournalMismatch',
    journalPath,
    `state journal ${journalPath} continues a state file with digest ${journal.base.slice(0, 19)}…, but ${found}`,
    {
      hint: `the state file was replaced while an unfinished apply's journal was pending: to keep that apply's steps, put back the state file it started from; to drop them, remove ${journalPath}`,
    },
  );
}

function unreadable(path: string, error: unknown): StateError {
  return new StateError('StateUnreadable', path, `cannot read state file ${path}: ${errorText(error)}`, {
    hint: 'check that the path is a readable file',
    cause: error,
  });
}

/**
 * Parses a state file's text. `path` is only used in error messages. Exposed for
 * callers that already hold the text (e.g. a state read from stdin).
 */
export function parseState(text: string, path: string): State {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new StateError('StateCorrupt', path, `state file ${path} is not valid JSON: ${errorText(error)}`, {
      hint: RESTORE_HINT,
      cause: error,
    });
  }
  // The version is checked before the shape: a newer format may be shaped differently,
  // and "upgrade stratum" is a better answer than a list of shape errors.
  if (isRecord(raw) && Number.isInteger(raw.version) && (raw.version as number) > STATE_VERSION) {
    throw new StateError(
      'StateVersionUnsupported',
      path,
      `state file ${path} has format version ${raw.version}; this stratum reads version ${STATE_VERSION}`,
      { hint: 'upgrade stratum to the version that wrote this file' },
    );
  }
  const checked = parsedStateFileSchema.safeParse(raw);
  if (!checked.success) {
    throw new StateError(
      'StateCorrupt',
      path,
      `state file ${path} is not a stratum state file: ${firstIssue(checked.error)}`,
      { hint: RESTORE_HINT },
    );
  }
  // Build the result from the parsed JSON rather than zod's copy: zod rebuilds
  // objects by assignment, which would turn an attribute named `__proto__` into a
  // prototype and lose it. `raw` is plain JSON.parse output, so it is safe to keep.
  const rawResources = (raw as { resources: Record<string, ResourceState> }).resources;
  const resources: Record<string, ResourceState> = {};
  for (const key of Object.keys(rawResources)) {
    const entry = rawResources[key]!;
    // zod's record drops a `__proto__` key unchecked; no valid key has that form anyway.
    const expected = Object.hasOwn(checked.data.resources, key) ? addrKey(entry.addr) : '<invalid>';
    if (key !== expected) {
      throw new StateError(
        'StateCorrupt',
        path,
        `state file ${path} is not consistent: entry \`${key}\` has addr \`${expected}\``,
        { hint: 'an entry must be keyed by its own `<kind>.<name>`; fix the key or the addr by hand' },
      );
    }
    resources[key] = orderedEntry(entry);
  }
  return { version: STATE_VERSION, resources };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The message of an error without Node's stack or the `Error:` prefix. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
