import type { RunRecord } from '@stratum/core';
import { z } from 'zod';

/**
 * `state history --json` and `state history RUN --json`: versioned documents
 * of the runs a state backend recorded. Bump {@link HISTORY_FORMAT_VERSION} on
 * any incompatible change; additions keep it. Field names are the records' own
 * (camelCase), as the first version printed them.
 */
export const HISTORY_FORMAT_VERSION = 1;

const runRecordSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['apply', 'state rm', 'state mv', 'state push', 'import']),
    who: z.string().meta({ description: '`user@host`' }),
    pid: z.int(),
    startedAt: z.string().meta({ description: 'ISO 8601' }),
    finishedAt: z.string().optional().meta({ description: 'Absent while running, or for a run that died.' }),
    args: z.array(z.string()).meta({ description: 'The command line; secrets only as markers.' }),
    configs: z.array(z.object({ path: z.string(), sha256: z.string() })),
    result: z.enum(['ok', 'failed', 'incomplete']),
    steps: z.array(
      z.object({
        address: z.string(),
        action: z.string(),
        result: z.enum(['ok', 'failed', 'skipped']),
        error: z.string().optional().meta({ description: 'Why it failed, with every secret scrubbed.' }),
      }),
    ),
    error: z.string().optional().meta({ description: 'Why the run failed when no step says.' }),
  })
  .meta({ id: 'Run' });

/** The one definition of `state history --json`'s document, newest run first. */
export const historyListSchema = z
  .object({ format_version: z.literal(HISTORY_FORMAT_VERSION), runs: z.array(runRecordSchema) })
  .meta({
    title: 'stratum state history --json',
    description: 'The runs recorded for a state, newest first.',
  });

/** The one definition of `state history RUN --json`'s document. */
export const historyRunSchema = z
  .object({ format_version: z.literal(HISTORY_FORMAT_VERSION), run: runRecordSchema })
  .meta({ title: 'stratum state history RUN --json', description: 'One recorded run with its steps.' });

export type HistoryListDocument = z.infer<typeof historyListSchema>;
export type HistoryRunDocument = z.infer<typeof historyRunSchema>;

export function historyListDocument(runs: readonly RunRecord[]): HistoryListDocument {
  return { format_version: HISTORY_FORMAT_VERSION, runs: runs.map(runDocument) };
}

export function historyRunDocument(run: RunRecord): HistoryRunDocument {
  return { format_version: HISTORY_FORMAT_VERSION, run: runDocument(run) };
}

/** A record as the schema types it: checked at compile time against core's {@link RunRecord}. */
function runDocument(run: RunRecord): HistoryRunDocument['run'] {
  return { ...run, args: [...run.args], configs: [...run.configs], steps: [...run.steps] };
}
