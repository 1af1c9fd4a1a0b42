import { resolve } from 'node:path';
import { addrKey, loadState, mergeStateFiles, parseAddr } from '@stratum/core';
import { CliError } from '../errors';
import type { CliIo } from '../io';

/** `stratum state list`: `<kind>.<name> [<provider>]` per resource, or `(empty state)`. */
export async function runStateList(flags: { path: string }, io: CliIo): Promise<number> {
  const state = await loadState(resolve(io.cwd, flags.path));
  const entries = Object.values(state.resources);
  if (entries.length === 0) io.out('(empty state)');
  for (const entry of entries) io.out(`${addrKey(entry.addr)} [${entry.provider}]`);
  return 0;
}

/** `stratum state show <addr>`: the resource's recorded JSON (secrets are markers in state already). */
export async function runStateShow(flags: { path: string; addr: string }, io: CliIo): Promise<number> {
  const key = addrKey(parseAddr(flags.addr));
  const state = await loadState(resolve(io.cwd, flags.path));
  const entry = state.resources[key];
  if (!entry) {
    throw new CliError('StateNotFound', `${key} not found in ${flags.path}`, {
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
