import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadFile } from '@stratum/config';
import {
  copyHistory,
  fileStateBackend,
  type State,
  type StateBackend,
  serializeState,
  splitStateBackend,
} from '@stratum/core';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import { stateBackendFor } from '../pipeline';
import { lazyPostgresBackend } from '../postgres-state';
import {
  chosenState,
  isStateUrl,
  resolveSources,
  type SourceFlags,
  type Sources,
  stateLocation,
} from '../sources';

export interface StateTransferFlags extends SourceFlags {
  force?: boolean | undefined;
}

/** The configured state of a `state pull` / `state push`: `-s`, `STRATUM_STATE`, the namespace's `state =`, or the default. */
export function configuredSources(flags: SourceFlags, io: CliIo): Sources {
  return resolveSources(
    { ...flags, state: chosenState(flags, io.env) },
    io.cwd,
    (manifest) => loadFile(manifest, { env: io.env, allowUnresolvedSecrets: true }).namespaces,
  );
}

/** A second state location laid out as the configured one is: in namespace mode with its `_shared` part. */
function otherBackend(location: string, sources: Sources, io: CliIo): StateBackend {
  const at = stateLocation(io.cwd, location);
  if (isStateUrl(at)) {
    return lazyPostgresBackend(
      at,
      sources.mode === 'namespace' ? { state: sources.namespace, shared: '_shared' } : {},
    );
  }
  return sources.mode === 'namespace'
    ? splitStateBackend(at, join(dirname(at), '_shared.json'))
    : fileStateBackend(at);
}

/** Refuses a file source that is not there: a mistyped `-s` must not push an empty state. */
function checkSourceExists(sources: Sources): void {
  if (isStateUrl(sources.statePath) || existsSync(sources.statePath)) return;
  throw new CliError('StateNotFound', `no state file at ${sources.statePath}`, {
    hint: 'name the state with -s PATH or -s postgres://... (or set STRATUM_STATE); `stratum apply -y` creates it',
  });
}

/**
 * Copies `state` into `target` under its lock, with the runs of `source`'s
 * history that `target` lacks. A target that already holds a different state
 * is only overwritten with `--force`: a push must not drop what another run
 * recorded there. The history goes first: when it cannot be copied the state
 * is left as it was, and copying again adds only what is still missing.
 */
async function copyInto(
  target: StateBackend,
  source: StateBackend,
  state: State,
  force: boolean,
  command: string,
): Promise<number> {
  if (target.replace === undefined)
    throw new CliError('BadArguments', `${target.location} cannot be written`);
  const lease = await target.lock({ command });
  try {
    const existing = await target.read();
    const empty = Object.keys(existing.resources).length === 0;
    if (!force && !empty && serializeState(existing) !== serializeState(state)) {
      throw new CliError(
        'StateTargetNotEmpty',
        `${target.location} already holds a different state (${Object.keys(existing.resources).length} resources)`,
        {
          hint: 'pass --force to replace it, after checking it with `stratum state pull -s TARGET`',
        },
      );
    }
    const runs =
      source.history === undefined || target.history === undefined
        ? 0
        : await copyHistory(source.history, target.history);
    await target.replace(state);
    return runs;
  } finally {
    await lease.release();
  }
}

/** `copied N runs of history`, when there were any. */
function reportRuns(runs: number, io: CliIo): void {
  if (runs > 0) io.out(`copied ${runs} run${runs === 1 ? '' : 's'} of history`);
}

/**
 * `stratum state pull [-o FILE]`: the configured state in the state file
 * format, on stdout or into FILE (in namespace mode FILE plus `_shared.json`
 * beside it, as the file layout keeps them).
 */
export async function runStatePull(
  flags: StateTransferFlags & { out?: string | undefined },
  io: CliIo,
): Promise<number> {
  const sources = configuredSources(flags, io);
  checkSourceExists(sources);
  const source = stateBackendFor(sources, io.cwd);
  if (flags.out !== undefined && isStateUrl(flags.out)) {
    throw new CliError('BadArguments', '`state pull -o` writes a file', {
      hint: 'to copy state into a database use `stratum state push postgres://...`',
    });
  }
  const lease = await source.lock({ command: 'stratum state pull' });
  try {
    const state = await source.read();
    if (flags.out === undefined) {
      io.out(serializeState(state).trimEnd());
      return 0;
    }
    const target = otherBackend(flags.out, sources, io);
    if (target.location === source.location) {
      throw new CliError('BadArguments', `state pull: ${flags.out} is the configured state itself`, {
        hint: 'name another file with -o',
      });
    }
    if (existsSync(stateLocation(io.cwd, flags.out)) && !flags.force) {
      throw new CliError('StateTargetNotEmpty', `${flags.out} already exists`, {
        hint: 'pass --force to overwrite it',
      });
    }
    const runs = await copyInto(target, source, state, true, 'stratum state pull');
    io.out(`pulled ${Object.keys(state.resources).length} resources into ${flags.out}`);
    reportRuns(runs, io);
  } finally {
    await lease.release();
  }
  return 0;
}

/** `stratum state push TARGET`: copies the configured state into TARGET (a file or a postgres:// URL). */
export async function runStatePush(
  flags: StateTransferFlags & { target: string },
  io: CliIo,
): Promise<number> {
  const sources = configuredSources(flags, io);
  checkSourceExists(sources);
  const source = stateBackendFor(sources, io.cwd);
  const target = otherBackend(flags.target, sources, io);
  if (target.location === source.location) {
    throw new CliError('BadArguments', `state push: ${target.location} is the configured state itself`, {
      hint: 'name another state: stratum state push postgres://host/db, or -s FROM TARGET',
    });
  }
  // The source stays locked while the copy is made, so no apply changes it halfway.
  const lease = await source.lock({ command: 'stratum state push' });
  try {
    const state = await source.read();
    const runs = await copyInto(target, source, state, flags.force ?? false, 'stratum state push');
    io.out(
      `pushed ${Object.keys(state.resources).length} resources from ${source.location} to ${target.location}`,
    );
    reportRuns(runs, io);
  } finally {
    await lease.release();
  }
  return 0;
}
