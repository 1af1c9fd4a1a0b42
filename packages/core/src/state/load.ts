import { readFile } from 'node:fs/promises';
import { addrKey } from '../addr';
import type { ResourceState, State } from '../types';
import { StateError } from './errors';
import { emptyState, STATE_VERSION, stateFileSchema } from './schema';
import { stateTarget } from './target';

const RESTORE_HINT =
  'restore the file from a backup or version control, or pass a different state path; stratum never replaces a state file it cannot read';

/**
 * Reads and validates the state file at `path`.
 *
 * A missing file is an empty state (a project's first plan has none). Any other
 * problem — unreadable, not JSON, not shaped like a state file, a format version
 * newer than this stratum knows, an entry whose key is not its `<kind>.<name>` —
 * is a {@link StateError} naming the file and what is wrong. The file itself is
 * never modified.
 */
export async function loadState(path: string): Promise<State> {
  let text: string;
  try {
    text = await readFile(await stateTarget(path), 'utf8');
  } catch (error) {
    if (StateError.isInstance(error)) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw new StateError('StateUnreadable', path, `cannot read state file ${path}: ${errorText(error)}`, {
      hint: 'check that the path is a readable file',
      cause: error,
    });
  }
  return parseState(text, path);
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
  const checked = stateFileSchema.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const where = issue.path.length === 0 ? 'top level' : `\`${issue.path.map(String).join('.')}\``;
    throw new StateError(
      'StateCorrupt',
      path,
      `state file ${path} is not a stratum state file: at ${where}: ${issue.message}`,
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
    resources[key] = {
      addr: { kind: entry.addr.kind, name: entry.addr.name },
      provider: entry.provider,
      attrs: entry.attrs,
    };
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
