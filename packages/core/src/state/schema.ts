import { z } from 'zod';
import { compareKeys } from '../json';
import type { ResourceState, State } from '../types';

/** The state-file format version this stratum reads and writes. */
export const STATE_VERSION = 1;

/** An empty state: what a missing state file means. */
export function emptyState(): State {
  return { version: STATE_VERSION, resources: {} };
}

/**
 * One entry of `resources`. Strict on purpose: a field we do not know would be
 * dropped by the next save, so a file carrying one is refused rather than
 * silently rewritten without it.
 */
export const resourceStateSchema = z.strictObject({
  addr: z.strictObject({ kind: z.string().min(1), name: z.string().min(1) }),
  provider: z.string(),
  attrs: z.json(),
});

/**
 * The state file's shape, as zod checks it. `version` may be absent (the
 * format's default is 1); newer versions are rejected before this schema runs.
 */
export const stateFileSchema = z.strictObject({
  version: z.number().int().min(1).max(STATE_VERSION).optional(),
  resources: z.record(z.string(), resourceStateSchema),
});

/**
 * The state file's exact text: `version`, then `resources` with keys in
 * sorted order, each entry as `addr` (`kind`, `name`), `provider`, `attrs`;
 * two-space indentation and a trailing newline.
 *
 * Only the `resources` map is sorted. Attribute objects keep the key order the
 * provider returned (or the file was loaded with), so loading and saving an
 * unchanged file reproduces it byte for byte whichever order its writer used.
 *
 * Always writes format version {@link STATE_VERSION}.
 */
export function serializeState(state: State): string {
  const resources: Record<string, ResourceState> = {};
  for (const key of Object.keys(state.resources).sort(compareKeys)) {
    const entry = state.resources[key]!;
    // Fixed field order, independent of how the caller built the object.
    const ordered: ResourceState = {
      addr: { kind: entry.addr.kind, name: entry.addr.name },
      provider: entry.provider,
      attrs: entry.attrs,
    };
    // defineProperty, not assignment: a key named `__proto__` must stay a plain key.
    Object.defineProperty(resources, key, {
      value: ordered,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return `${JSON.stringify({ version: STATE_VERSION, resources }, null, 2)}\n`;
}
