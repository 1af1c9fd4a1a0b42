/**
 * The state journal: how an apply persists every step in O(size of that step)
 * instead of rewriting the whole state file.
 *
 * Why: the state file is one sorted JSON document. Rewriting it after each of
 * N steps (serialise, fsync the temp file, rename, fsync the directory) makes
 * an apply quadratic in N — at 5,000 resources every step cost ~20 ms.
 *
 * The layout: beside `<state>` (its symlink target, like the lock) lives
 * `<state>.journal`, text, one JSON record per line, each line ending in `\n`:
 *
 *   {"stratum_journal":1,"base":"sha256:<hex>"}   the header: digest of the state file's bytes it extends
 *   {"put":"<kind>.<name>","entry":{"addr":…,"provider":…,"attrs":…}}   a step added or changed an entry
 *   {"delete":"<kind>.<name>"}                     a step removed an entry
 *   {"compacted":"sha256:<hex>"}                   the journal is being folded into a file with that digest
 *
 * Writing (see `journaled-file.ts`): a locked run's first write rewrites the
 * whole state file (that also folds a journal a dead run left, and upgrades
 * old secret markers everywhere at once, as before); every later write appends
 * one record and `fdatasync`s it, so a step is durable before the engine calls
 * it done. When the apply ends — success or failure — the engine calls the
 * backend's `flush`: the state file is rewritten in the spec's format (exactly
 * the bytes `saveState` writes) and the journal removed. Folding is ordered so
 * that a crash at any moment leaves something a reader can resolve: append
 * `compacted` with the new file's digest → rename the new file in → unlink the
 * journal.
 *
 * Reading (see `load.ts`): the state is the file plus the journal replayed in
 * order, last record per key wins. The header ties the journal to one state
 * file's exact bytes, so a journal can never be replayed onto another base:
 * - header digest = the file's digest: replay every put/delete;
 * - else the last `compacted` digest = the file's digest: the journal was
 *   already folded in (a crash between rename and unlink): the file alone;
 * - else: refused (`StateJournalMismatch`), naming both files — someone put
 *   another state file in place while a journal was pending.
 * A last line without its `\n` is an append that was cut off (a crash
 * mid-write): that step was never acknowledged, and the line is ignored. Any
 * other line that is not a record is `StateJournalCorrupt`: never skipped,
 * because skipping it would silently drop a step that happened.
 *
 * Journal records hold exactly what the state holds (entries are recorded
 * after redaction), so the journal gives away no more than the state file.
 */
import { createHash } from 'node:crypto';
import { addrKey } from '../addr';
import { compareKeys } from '../json';
import type { ResourceState, State } from '../types';
import { StateError } from './errors';
import { orderedEntry, parsedResourceStateSchema } from './schema';

/** The journal format version this stratum reads and writes. */
export const JOURNAL_VERSION = 1;

/** The journal of the state file whose real path (after symlinks) is `target`. */
export function journalPathFor(target: string): string {
  return `${target}.journal`;
}

/** How the journal names a state file's exact bytes. */
export function stateDigest(bytes: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The journal's first line. */
export function headerLine(base: string): string {
  return `${JSON.stringify({ stratum_journal: JOURNAL_VERSION, base })}\n`;
}

/** The record of the step that changed `key`: its new entry, or its removal when `entry` is undefined. */
export function recordLine(key: string, entry: ResourceState | undefined): string {
  if (entry === undefined) return `${JSON.stringify({ delete: key })}\n`;
  // Fixed field order, as in the state file; attrs keep their own key order.
  return `${JSON.stringify({ put: key, entry: orderedEntry(entry) })}\n`;
}

/** The line that says the journal is being folded into a state file with digest `digest`. */
export function compactedLine(digest: string): string {
  return `${JSON.stringify({ compacted: digest })}\n`;
}

/** One step a journal records. */
export type JournalRecord =
  | { readonly put: string; readonly entry: ResourceState }
  | { readonly delete: string };

/** What a journal holds. */
export interface Journal {
  /** Digest of the state file the records extend. */
  readonly base: string;
  readonly records: readonly JournalRecord[];
  /** The digest of the last `compacted` line, if any. */
  readonly compacted: string | undefined;
}

const DROP_HINT = (journalPath: string, statePath: string) =>
  `the journal holds the finished steps of an apply that did not end; restore it from a backup, or remove ${journalPath} to drop those steps (${statePath} then holds the state from before that apply, and \`stratum plan --refresh\` shows what the hosts really have)`;

/**
 * Parses a journal's text; undefined when it holds no complete line (a run
 * died while creating it: nothing in it was ever acknowledged). `statePath`
 * is the state file as the user named it, for messages.
 */
export function parseJournal(text: string, journalPath: string, statePath: string): Journal | undefined {
  // Everything after the last newline is an append that was cut off.
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete === '') return undefined;
  const lines = complete.slice(0, -1).split('\n');
  const corrupt = (lineNo: number, what: string) =>
    new StateError(
      'StateJournalCorrupt',
      journalPath,
      `state journal ${journalPath} line ${lineNo} ${what}`,
      { hint: DROP_HINT(journalPath, statePath) },
    );
  const parsed = lines.map((line, i) => {
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw corrupt(i + 1, 'is not JSON');
    }
  });
  const header = parsed[0];
  if (!isRecord(header) || !('stratum_journal' in header)) {
    throw corrupt(1, 'is not a journal header');
  }
  if (typeof header.stratum_journal === 'number' && header.stratum_journal > JOURNAL_VERSION) {
    throw new StateError(
      'StateVersionUnsupported',
      journalPath,
      `state journal ${journalPath} has format version ${header.stratum_journal}; this stratum reads version ${JOURNAL_VERSION}`,
      { hint: 'finish the apply with the stratum version that started it' },
    );
  }
  if (header.stratum_journal !== JOURNAL_VERSION || !isDigest(header.base)) {
    throw corrupt(1, 'is not a journal header');
  }
  const records: JournalRecord[] = [];
  let compacted: string | undefined;
  for (let i = 1; i < parsed.length; i++) {
    const raw = parsed[i];
    if (isRecord(raw) && typeof raw.delete === 'string' && Object.keys(raw).length === 1) {
      records.push({ delete: raw.delete });
    } else if (isRecord(raw) && isDigest(raw.compacted) && Object.keys(raw).length === 1) {
      compacted = raw.compacted;
    } else if (isRecord(raw) && typeof raw.put === 'string' && Object.keys(raw).length === 2) {
      const checked = parsedResourceStateSchema.safeParse(raw.entry);
      if (!checked.success) throw corrupt(i + 1, `has an invalid entry for \`${raw.put}\``);
      // The parsed JSON, not zod's copy: zod would turn an attribute named `__proto__` into a prototype.
      const entry = raw.entry as ResourceState;
      if (addrKey(entry.addr) !== raw.put) {
        throw corrupt(i + 1, `records \`${raw.put}\` with addr \`${addrKey(entry.addr)}\``);
      }
      records.push({
        put: raw.put,
        entry: orderedEntry(entry),
      });
    } else {
      throw corrupt(i + 1, 'is not a journal record');
    }
  }
  return { base: header.base, records, compacted };
}

/**
 * `state` with the journal's records applied in order, `resources` in sorted
 * order as the compacted file will have them. `state` is not modified.
 */
export function replayJournal(state: State, records: readonly JournalRecord[]): State {
  if (records.length === 0) return state;
  const resources = new Map(Object.entries(state.resources));
  for (const record of records) {
    if ('put' in record) resources.set(record.put, record.entry);
    else resources.delete(record.delete);
  }
  const sorted: State['resources'] = {};
  for (const key of [...resources.keys()].sort(compareKeys)) sorted[key] = resources.get(key)!;
  return { version: state.version, resources: sorted };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDigest(value: unknown): value is string {
  return typeof value === 'string' && /^sha256:[0-9a-f]{64}$/.test(value);
}
