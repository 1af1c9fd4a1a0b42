import { addrKey, parseAddr } from '../addr';
import { StratumError } from '../errors';
import { findUnresolvedPlaceholder } from '../secrets/markers';
import type { ResourceState, State } from '../types';
import type { StateBackend } from './backend';
import { finishRun, type RunKind, startRun } from './history';

/** Every code a state-surgery refusal can carry. Nothing was changed when one is thrown. */
export type StateSurgeryErrorCode =
  /** An address the command names is not in state. */
  | 'StateAddressNotFound'
  /** `state mv`: the destination address is already in state; `import`: the resource is. */
  | 'StateAddressTaken'
  /** `state mv`: the two addresses are of different kinds. */
  | 'StateMoveKindMismatch'
  /** The entry holds an unresolved-secret placeholder, a plan-only value that must never be recorded. */
  | 'StatePlaceholder'
  /** `import`: the address is not declared in the config. */
  | 'ImportNotInConfig'
  /** `import`: the kind has neither a probe nor a `read`. */
  | 'ImportCannotRead'
  /** `import`: the resource does not exist on its host. */
  | 'ImportAbsent'
  /** `import`: the resource could not be read (host unreachable, read failed). */
  | 'ImportUnreadable';

export class StateSurgeryError extends StratumError<StateSurgeryErrorCode> {
  static override readonly marker: string = '@stratum/core/StateSurgeryError';

  constructor(code: StateSurgeryErrorCode, message: string, hint: string) {
    super(code, message, { hint });
    this.name = 'StateSurgeryError';
  }
}

/**
 * Edits the state under its lock: reads it, lets `edit` change the working
 * copy and say which keys it touched, writes each through the backend and
 * flushes. An `edit` that throws changes nothing. Works through any
 * {@link StateBackend} (file, split namespace files, a database).
 */
export async function editState(
  backend: StateBackend,
  command: string,
  edit: (state: State) => readonly string[],
  args?: readonly string[],
): Promise<readonly string[]> {
  const lease = await backend.lock({ command });
  try {
    const state = await backend.read();
    const touched = edit(state);
    // A refused edit changed nothing: only an edit is a run of its own kind.
    const run = args === undefined ? undefined : startRun(command.replace(/^stratum /, '') as RunKind, args);
    if (run) await backend.history?.record({ type: 'started', run });
    for (const key of touched) await backend.write(state, key);
    await backend.flush?.();
    if (run) {
      const steps = touched.map((address) => ({
        address,
        action: state.resources[address] === undefined ? 'forget' : 'record',
        result: 'ok' as const,
      }));
      await backend.history?.record({ type: 'finished', run: finishRun(run, steps) });
    }
    return touched;
  } finally {
    await lease.release();
  }
}

/** `state rm`: forgets every named resource without touching its host. All must be in state, or none is removed. */
export function forgetResources(
  backend: StateBackend,
  addrs: readonly string[],
  args?: readonly string[],
): Promise<readonly string[]> {
  const keys = [...new Set(addrs.map((addr) => addrKey(parseAddr(addr))))];
  return editState(
    backend,
    'stratum state rm',
    (state) => {
      const missing = keys.filter((key) => state.resources[key] === undefined);
      if (missing.length > 0) throw notFound(missing, backend.location);
      for (const key of keys) refusePlaceholder(state.resources[key]!, key);
      for (const key of keys) delete state.resources[key];
      return keys;
    },
    args,
  );
}

/**
 * `state mv`: files a resource under another name of the same kind, attrs
 * unchanged; the next plan sees it under the new name, with no delete and
 * create. Another kind is refused: a kind's recorded attrs mean nothing to
 * another kind, and its delete would run the wrong commands.
 */
export function moveResource(
  backend: StateBackend,
  from: string,
  to: string,
  args?: readonly string[],
): Promise<readonly string[]> {
  const source = parseAddr(from);
  const target = parseAddr(to);
  const fromKey = addrKey(source);
  const toKey = addrKey(target);
  return editState(
    backend,
    'stratum state mv',
    (state) => {
      const entry = state.resources[fromKey];
      if (entry === undefined) throw notFound([fromKey], backend.location);
      if (source.kind !== target.kind) {
        throw new StateSurgeryError(
          'StateMoveKindMismatch',
          `cannot move ${fromKey} to ${toKey}: a resource keeps its kind (${source.kind}, not ${target.kind})`,
          `to change the kind, \`stratum state rm ${fromKey}\` and \`stratum import ${toKey}\``,
        );
      }
      if (fromKey === toKey) return [];
      if (state.resources[toKey] !== undefined) {
        throw new StateSurgeryError(
          'StateAddressTaken',
          `cannot move ${fromKey} to ${toKey}: ${toKey} is already in ${backend.location}`,
          `forget it first (\`stratum state rm ${toKey}\`) if it is the stale one`,
        );
      }
      refusePlaceholder(entry, fromKey);
      delete state.resources[fromKey];
      state.resources[toKey] = {
        addr: { kind: target.kind, name: target.name },
        provider: entry.provider,
        attrs: entry.attrs,
      };
      return [fromKey, toKey];
    },
    args,
  );
}

/** `import`: records entries (already redacted) for resources not yet in state, all or none. */
export function recordResources(
  backend: StateBackend,
  entries: readonly ResourceState[],
  args?: readonly string[],
): Promise<readonly string[]> {
  return editState(
    backend,
    'stratum import',
    (state) => {
      const keys = entries.map((entry) => addrKey(entry.addr));
      for (const key of keys)
        if (state.resources[key] !== undefined) throw alreadyInState(key, backend.location);
      for (const entry of entries) refusePlaceholder(entry, addrKey(entry.addr));
      for (const entry of entries) state.resources[addrKey(entry.addr)] = entry;
      return keys;
    },
    args,
  );
}

/** The refusal of an import whose resource state already tracks. */
export function alreadyInState(key: string, location: string): StateSurgeryError {
  return new StateSurgeryError(
    'StateAddressTaken',
    `${key} is already in ${location}: nothing to import`,
    `\`stratum plan\` shows how it differs from the config; \`stratum state rm ${key}\` first to import it again`,
  );
}

/** Refuses an entry holding a plan-only unresolved-secret placeholder. */
export function refusePlaceholder(entry: ResourceState, key: string): void {
  const name = findUnresolvedPlaceholder(JSON.stringify(entry.attrs));
  if (name === undefined) return;
  throw new StateSurgeryError(
    'StatePlaceholder',
    `refusing to change ${key}: it holds the unresolved-secret placeholder for \`${name}\``,
    'placeholders are for review only (plan --allow-unresolved-secrets); set the secret and retry',
  );
}

function notFound(keys: readonly string[], location: string): StateSurgeryError {
  return new StateSurgeryError(
    'StateAddressNotFound',
    `${keys.join(', ')} ${keys.length === 1 ? 'is' : 'are'} not in ${location}; nothing was changed`,
    '`stratum state list` shows what the state tracks',
  );
}
