import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { addrKey, loadState, mergeStateFiles, parseAddr, type State } from '@stratum/core';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import { DEFAULT_STATE_PATH } from '../options';
import { STATE_COMMAND_FORMAT_VERSION, type StateListDocument } from '../output/state-json';

export interface StateFileFlags {
  path?: string | undefined;
}

/**
 * The state file `state list` / `state show` inspect. Unlike plan and apply,
 * which start from an empty state when there is none, a file that is not there
 * is an error: a mistyped `-p` must not read as "tracks nothing".
 */
async function readStateFile(flags: StateFileFlags, io: CliIo): Promise<{ shown: string; state: State }> {
  const shown = flags.path ?? DEFAULT_STATE_PATH;
  const path = resolve(io.cwd, shown);
  if (!existsSync(path)) {
    throw new CliError('StateNotFound', `no state file at ${shown}`, {
      hint:
        flags.path === undefined
          ? 'name the state file with -p PATH (a namespace keeps its own, .stratum/<namespace>.json); `stratum apply -y` creates it'
          : 'check the path; `stratum apply -y` creates the state file on its first run',
    });
  }
  return { shown, state: await loadState(path) };
}

/** `stratum state list`: `<kind>.<name> [<provider>]` per resource, or `(empty state)`; `--json` a document. */
export async function runStateList(
  flags: StateFileFlags & { json?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  const { shown, state } = await readStateFile(flags, io);
  const entries = Object.values(state.resources);
  if (flags.json) {
    const document: StateListDocument = {
      format_version: STATE_COMMAND_FORMAT_VERSION,
      state: shown,
      resources: entries.map((entry) => ({
        address: addrKey(entry.addr),
        kind: entry.addr.kind,
        name: entry.addr.name,
        provider: entry.provider,
      })),
    };
    io.out(JSON.stringify(document));
    return 0;
  }
  if (entries.length === 0) io.out('(empty state)');
  for (const entry of entries) io.out(`${addrKey(entry.addr)} [${entry.provider}]`);
  return 0;
}

/** `stratum state show <addr>`: the resource's recorded JSON (secrets are markers in state already). */
export async function runStateShow(flags: StateFileFlags & { addr: string }, io: CliIo): Promise<number> {
  const key = addrKey(parseAddr(flags.addr));
  const { shown, state } = await readStateFile(flags, io);
  const entry = state.resources[key];
  if (!entry) {
    throw new CliError('StateNotFound', `${key} not found in ${shown}`, {
      hint: '`stratum state list` shows what the state file tracks',
    });
  }
  io.out(JSON.stringify(entry, null, 2));
  return 0;
}

/** `stratum state merge -o OUT IN...`. */
export async function runStateMerge(flags: { out: string; inputs: string[] }, io: CliIo): Promise<number> {
  if (flags.inputs.length < 2) {
    throw new CliError('BadArguments', 'state merge needs at least two input state files', {
      hint: 'stratum state merge -o .stratum/host.json .stratum/infra.json .stratum/app.json',
    });
  }
  // Paths as the user gave them, so messages name them the same way.
  const at = (path: string) => (io.cwd === process.cwd() ? path : resolve(io.cwd, path));
  const result = await mergeStateFiles(flags.inputs.map(at), at(flags.out));
  io.out(`merged ${flags.inputs.length} state files into ${flags.out} (${result.resources} resources)`);
  return 0;
}
