import { addrKey } from '../addr';
import { scrubText } from '../secrets/redact';
import type { RedactionMap } from '../secrets/redaction-map';
import type { StateBackend } from '../state/backend';
import {
  finishRun,
  type RunConfig,
  type RunKind,
  type RunStart,
  type RunStep,
  redactEntry,
  startRun,
} from '../state/history';
import type { Plan, PlannedResource } from '../types';
import type { ApplyOutcome } from './apply-plan';

/** What a front end tells the engine about the run, for its history. */
export interface RunDescription {
  /** The command line's arguments, e.g. `['apply', '-y', '-c', 'site.strat']`. */
  readonly args: readonly string[];
  /** The configs read, with their sha256. */
  readonly configs?: readonly RunConfig[] | undefined;
}

/**
 * Records one run in the backend's history, if it keeps one: `start` when
 * the run holds the lock, `finish` when it ends. Everything recorded goes
 * through {@link redactEntry}; a failure to record never fails the run it
 * describes (history is a record, not a precondition), it is only reported.
 */
export interface RunRecorder {
  start(): Promise<void>;
  finish(steps: readonly RunStep[], error?: unknown): Promise<void>;
}

export function runRecorder(
  backend: StateBackend,
  kind: RunKind,
  description: RunDescription | undefined,
  redaction: RedactionMap | undefined,
  warn: (line: string) => void = () => {},
): RunRecorder {
  const history = backend.history;
  if (history === undefined || description === undefined)
    return { start: async () => {}, finish: async () => {} };
  let run: RunStart | undefined;
  const record = async (entry: Parameters<typeof history.record>[0]) => {
    try {
      await history.record(redactEntry(entry, redaction));
    } catch (error) {
      warn(
        `[state] could not record the run in the history of ${backend.location}: ${messageOf(error, redaction)}`,
      );
    }
  };
  return {
    async start() {
      run = startRun(kind, description.args, description.configs ?? []);
      await record({ type: 'started', run });
    },
    async finish(steps, error) {
      if (run === undefined) return;
      await record({
        type: 'finished',
        run: finishRun(run, steps, error === undefined ? undefined : messageOf(error, redaction)),
      });
    },
  };
}

/**
 * Every step of `plan` with work, and how it ended: finished (in `outcome.completed`),
 * failed (in `failed`, by address), or never started.
 */
export function stepsOf(
  plan: Plan,
  outcome: ApplyOutcome | undefined,
  failed: ReadonlyMap<string, unknown>,
  redaction: RedactionMap | undefined,
): RunStep[] {
  const done = new Set((outcome?.completed ?? []).map((step) => addrKey(step.addr)));
  return plan.steps
    .filter((step: PlannedResource) => step.action !== 'noop')
    .map((step) => {
      const address = addrKey(step.addr);
      if (done.has(address)) return { address, action: step.action, result: 'ok' as const };
      if (failed.has(address)) {
        return {
          address,
          action: step.action,
          result: 'failed' as const,
          error: messageOf(failed.get(address), redaction),
        };
      }
      return { address, action: step.action, result: 'skipped' as const };
    });
}

function messageOf(error: unknown, redaction: RedactionMap | undefined): string {
  const text = error instanceof Error ? error.message : String(error);
  return redaction === undefined ? text : scrubText(text, redaction);
}
