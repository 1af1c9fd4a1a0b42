import { z } from 'zod';
import { compareKeys, jsonValueSchema } from '../json';
import type { JsonValue, ResourceState, State } from '../types';

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
  attrs: jsonValueSchema,
  reads: z.array(z.string()).optional(),
  pending_trigger: z.array(z.string()).optional(),
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
 * What {@link parseState} and the journal check a parsed file against: the
 * shapes above, but `attrs` is not walked value by value. Whatever
 * `JSON.parse` returns is a JSON value already, and checking each value of
 * every entry's attrs again was most of loading a large state (57 of 99 ms
 * for 5,000 entries). The published JSON Schemas keep the full shapes.
 */
export const parsedResourceStateSchema = resourceStateSchema.extend({
  attrs: z.custom<JsonValue>((value) => value !== undefined, { message: 'expected a JSON value' }),
});

/** {@link stateFileSchema}, for parsed JSON: see {@link parsedResourceStateSchema}. */
export const parsedStateFileSchema = stateFileSchema.extend({
  resources: z.record(z.string(), parsedResourceStateSchema),
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
    const ordered = orderedEntry(entry);
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

/**
 * A copy of a state entry with the format's fixed field order (`addr`,
 * `provider`, `attrs`, then `reads` when it read other resources and
 * `pending_trigger` only while a re-run is owed, so an entry is otherwise the
 * spec's three fields), however the caller built it.
 * Attrs are shared, not copied: they keep their own key order.
 */
export function orderedEntry(entry: ResourceState): ResourceState {
  return {
    addr: { kind: entry.addr.kind, name: entry.addr.name },
    provider: entry.provider,
    attrs: entry.attrs,
    ...(entry.reads === undefined ? {} : { reads: [...entry.reads] }),
    ...(entry.pending_trigger === undefined ? {} : { pending_trigger: [...entry.pending_trigger] }),
  };
}
