import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { dirname } from 'node:path';
import { redactInto } from '../secrets/redact';
import type { RedactionMap } from '../secrets/redaction-map';
import type { JsonObject } from '../types';
import { stateTarget } from './target';

/** What a run was: an apply, or one of the state commands that change state. */
export type RunKind = 'apply' | 'state rm' | 'state mv' | 'state push' | 'import';

/** How a step of a run ended. `skipped`: planned, but never started (an earlier step failed). */
export type StepResult = 'ok' | 'failed' | 'skipped';

/** One step of a run: what it was to do and how it ended. */
export interface RunStep {
  readonly address: string;
  readonly action: string;
  readonly result: StepResult;
  /** Why it failed, with every secret scrubbed. */
  readonly error?: string | undefined;
}

/** A config a run read, by path and content digest. */
export interface RunConfig {
  readonly path: string;
  readonly sha256: string;
}

/** What is known of a run when it starts. */
export interface RunStart {
  readonly id: string;
  readonly kind: RunKind;
  /** `user@host`. */
  readonly who: string;
  readonly pid: number;
  readonly startedAt: string;
  /** The command line's arguments (flags and positionals; secrets only as markers). */
  readonly args: readonly string[];
  readonly configs: readonly RunConfig[];
}

/** How a run ended. `incomplete`: it started and never said how it ended (killed, or its machine died). */
export type RunResult = 'ok' | 'failed' | 'incomplete';

/** A run as history shows it. */
export interface RunRecord extends RunStart {
  readonly finishedAt?: string | undefined;
  readonly result: RunResult;
  readonly steps: readonly RunStep[];
  /** Why the run failed when no step says (a refused saved plan, a lost connection...). */
  readonly error?: string | undefined;
}

/** The end of a run, recorded after its steps. */
export interface RunFinish {
  readonly id: string;
  readonly finishedAt: string;
  readonly result: 'ok' | 'failed';
  readonly steps: readonly RunStep[];
  readonly error?: string | undefined;
}

/** One entry of a history: a run starting, or a run ending. */
export type HistoryEntry =
  | { readonly type: 'started'; readonly run: RunStart }
  | { readonly type: 'finished'; readonly run: RunFinish };

/**
 * A backend's record of runs (an optional capability of `StateBackend`): a
 * run is recorded when it starts and again when it ends, so one that was
 * killed in between still shows, as `incomplete`. What is recorded has
 * passed {@link redactEntry}; a store never sees secret plaintext.
 */
export interface StateHistory {
  record(entry: HistoryEntry): Promise<void>;
  /** Every run, newest first. */
  list(): Promise<readonly RunRecord[]>;
  /** One run by id (or a unique prefix of it); undefined when none matches. */
  show(id: string): Promise<RunRecord | undefined>;
}

/** A new run's start record for this process. */
export function startRun(
  kind: RunKind,
  args: readonly string[],
  configs: readonly RunConfig[] = [],
): RunStart {
  return {
    id: `${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`,
    kind,
    who: `${currentUser()}@${hostname()}`,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    args,
    configs,
  };
}

/** The end of `run`, with `steps` as they went. */
export function finishRun(run: RunStart, steps: readonly RunStep[], error?: string | undefined): RunFinish {
  const failed = error !== undefined || steps.some((step) => step.result === 'failed');
  return {
    id: run.id,
    finishedAt: new Date().toISOString(),
    result: failed ? 'failed' : 'ok',
    steps,
    ...(error === undefined ? {} : { error }),
  };
}

/** The redaction choke point for history: every string of an entry loses its secrets' plaintext. */
export function redactEntry(entry: HistoryEntry, redaction: RedactionMap | undefined): HistoryEntry {
  if (redaction === undefined || redaction.size === 0) return entry;
  return redactInto(entry as unknown as JsonObject, redaction) as unknown as HistoryEntry;
}

/** Folds started and finished entries, in the order they were recorded, into runs, newest first. */
export function foldHistory(entries: readonly HistoryEntry[]): RunRecord[] {
  const runs = new Map<string, RunRecord>();
  for (const entry of entries) {
    if (entry.type === 'started') {
      runs.set(entry.run.id, { ...entry.run, result: 'incomplete', steps: [] });
      continue;
    }
    const started = runs.get(entry.run.id);
    if (started === undefined) continue;
    const { id: _id, ...end } = entry.run;
    runs.set(entry.run.id, { ...started, ...end });
  }
  return [...runs.values()].sort((a, b) =>
    a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0,
  );
}

/** Finds a run by id or by a prefix only one run's id has. */
export function findRun(runs: readonly RunRecord[], id: string): RunRecord | undefined {
  const exact = runs.find((run) => run.id === id);
  if (exact !== undefined) return exact;
  const matches = runs.filter((run) => run.id.startsWith(id));
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * Records in `target` every run of `source` that `target` does not hold yet
 * (by id), oldest first, as the entries that made it: its start and, unless
 * it is `incomplete`, its end. What `state push` / `state pull` carry over
 * with the state, so a move between backends keeps the record of runs; runs
 * already in `target` are left as they are, so copying again adds nothing.
 * Returns how many runs were copied.
 */
export async function copyHistory(source: StateHistory, target: StateHistory): Promise<number> {
  const known = new Set((await target.list()).map((run) => run.id));
  const missing = (await source.list()).filter((run) => !known.has(run.id)).reverse();
  for (const { finishedAt, result, steps, error, ...start } of missing) {
    await target.record({ type: 'started', run: start });
    if (result === 'incomplete') continue;
    const end: RunFinish = {
      id: start.id,
      finishedAt: finishedAt ?? start.startedAt,
      result,
      steps,
      ...(error === undefined ? {} : { error }),
    };
    await target.record({ type: 'finished', run: end });
  }
  return missing.length;
}

/** The journal of runs beside the state file at `statePath`. */
export function historyPathFor(statePath: string): string {
  return `${statePath}.history.jsonl`;
}

/**
 * History in an append-only JSON-lines file beside the state: one line when a
 * run starts, one when it ends, each appended and fsynced on its own. A torn
 * last line (a crash mid-append) is skipped when read.
 */
export function fileStateHistory(statePath: string): StateHistory {
  const path = async () => historyPathFor(await stateTarget(statePath));
  const read = async () => {
    let text: string;
    try {
      text = await readFile(await path(), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries: HistoryEntry[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        entries.push(JSON.parse(line) as HistoryEntry);
      } catch {
        // A line cut short by a crash: the rest is still good.
      }
    }
    return foldHistory(entries);
  };
  return {
    async record(entry) {
      const file = await path();
      await mkdir(dirname(file), { recursive: true });
      const handle = await open(file, 'a', 0o600);
      try {
        await handle.appendFile(`${JSON.stringify(entry)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    list: read,
    show: async (id) => findRun(await read(), id),
  };
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
