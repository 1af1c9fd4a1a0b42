import type { PlannedResource } from '../types';

/**
 * What the engine reports while it works, for a front end to render. Log lines
 * have passed the engine's secret scrubbing; nothing else carries attribute
 * values.
 */
export type EngineEvent =
  | { readonly type: 'step_start'; readonly step: PlannedResource; readonly host: string | undefined }
  | {
      readonly type: 'step_done';
      readonly step: PlannedResource;
      readonly host: string | undefined;
      readonly elapsedMs: number;
    }
  | {
      readonly type: 'step_failed';
      readonly step: PlannedResource;
      readonly host: string | undefined;
      readonly error: unknown;
    }
  /** A line from a kind (`[system] FILE ...`), a warning, or debug output (`--verbose`). */
  | { readonly type: 'log'; readonly level: 'trace' | 'warn' | 'debug'; readonly line: string };
