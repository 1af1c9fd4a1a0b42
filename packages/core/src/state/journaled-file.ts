import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ResourceState, State } from '../types';
import { StateError } from './errors';
import { headerLine, journalPathFor, recordLine } from './journal';
import { errorText } from './load';
import { checkEntryKey, syncDir, writeStateFile } from './save';
import { stateTarget } from './target';

/** The journal this process appends to, open for the rest of its session. */
interface OpenJournal {
  readonly path: string;
  readonly handle: FileHandle;
  /** Bytes of complete records: what a failed append is cut back to. */
  size: number;
}

/**
 * One state file written the journal's way (see `journal.ts`): a session
 * starts with {@link rewrite} (the whole file), continues with one
 * {@link append} per step and ends with {@link end}; `saveState` then folds
 * the journal back into the file. The caller holds the state lock throughout and
 * calls one member at a time.
 */
export class JournaledStateFile {
  readonly #path: string;
  /** Digest of the file the session's journal extends; undefined between sessions. */
  #base: string | undefined;
  #journal: OpenJournal | undefined;

  constructor(path: string) {
    this.#path = path;
  }

  /** True between {@link rewrite} and {@link end}: appends are possible. */
  get inSession(): boolean {
    return this.#base !== undefined;
  }

  /** Writes the whole state (folding any journal, ours or a dead run's) and starts a session on it. */
  async rewrite(state: State): Promise<void> {
    await this.#closeJournal();
    this.#base = undefined;
    this.#base = await writeStateFile(this.#path, state);
  }

  /**
   * Records that the step on `key` left `entry` (undefined: removed it), and
   * returns once the record is on disk. The first append creates the journal.
   * A failed append ends the session (the journal is cut back to its last
   * complete record), so the next write rewrites the whole file.
   */
  async append(key: string, entry: ResourceState | undefined): Promise<void> {
    await this.appendMany([[key, entry]]);
  }

  /**
   * {@link append} for several steps at once: their records in one write and
   * one `fdatasync`, so steps that finished together cost one disk flush.
   * All or none: a failed append cuts the journal back to before the first.
   */
  async appendMany(
    records: readonly (readonly [key: string, entry: ResourceState | undefined])[],
  ): Promise<void> {
    const base = this.#base;
    if (base === undefined)
      throw new Error('JournaledStateFile.append outside a session: call rewrite first');
    if (records.length === 0) return;
    for (const [key, entry] of records) if (entry !== undefined) checkEntryKey(this.#path, key, entry);
    const bytes = Buffer.from(records.map(([key, entry]) => recordLine(key, entry)).join(''), 'utf8');
    let journalPath = this.#journal?.path;
    try {
      if (this.#journal === undefined) {
        journalPath = journalPathFor(await stateTarget(this.#path));
        this.#journal = await createJournal(journalPath, base, bytes);
        return;
      }
      await writeAll(this.#journal.handle, bytes);
      await this.#journal.handle.datasync();
      this.#journal.size += bytes.length;
    } catch (error) {
      await this.#abandon();
      throw new StateError(
        'StateWriteFailed',
        this.#path,
        `cannot append to state journal ${journalPath}: ${errorText(error)}`,
        {
          hint: 'check free space and permissions of the state directory; the steps before this one are recorded',
          cause: error,
        },
      );
    }
  }

  /**
   * Ends the session and closes the journal, which stays until the next
   * `saveState` of this file folds it in (a reader replays it meanwhile).
   */
  async end(): Promise<void> {
    await this.#closeJournal();
    this.#base = undefined;
  }

  async #closeJournal(): Promise<void> {
    const journal = this.#journal;
    this.#journal = undefined;
    await journal?.handle.close().catch(() => undefined);
  }

  /** After a failed append: cut the journal back to its complete records and end the session. */
  async #abandon(): Promise<void> {
    const journal = this.#journal;
    if (journal !== undefined) await journal.handle.truncate(journal.size).catch(() => undefined);
    await this.#closeJournal();
    this.#base = undefined;
  }
}

/** Creates the journal with its header and first record in one write, durable (file and directory entry) on return. */
async function createJournal(path: string, base: string, record: Buffer): Promise<OpenJournal> {
  const handle = await open(path, 'wx', 0o600);
  try {
    const text = Buffer.concat([Buffer.from(headerLine(base), 'utf8'), record]);
    await writeAll(handle, text);
    await handle.datasync();
    await syncDir(dirname(path));
    return { path, handle, size: text.length };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

/** Appends all of `bytes`; a write may be short (a signal, a nearly full disk). */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
