import { relative } from 'node:path';
import { loadFile } from '@stratum/config';
import { forgetResources, moveResource } from '@stratum/core';
import { loadEnvFiles } from '../env-files';
import type { CliIo } from '../io';
import type { GlobalFlags } from '../options';
import { stateBackendFor } from '../pipeline';
import { resolveSources, type SourceFlags, type Sources } from '../sources';

export interface SurgeryFlags extends GlobalFlags, SourceFlags {}

/**
 * The state `state rm` / `state mv` edit: `-s`, or with `-n` the namespace's
 * file plus `_shared.json`, as plan and apply find them. Only the manifest is
 * read (for `-n`); the configs are not needed to edit state.
 */
function sourcesOf(flags: SurgeryFlags, io: CliIo): Sources {
  const { env } = loadEnvFiles(flags.envFile, { cwd: io.cwd, processEnv: io.env });
  return resolveSources(
    flags,
    io.cwd,
    (manifest) => loadFile(manifest, { env, allowUnresolvedSecrets: true }).namespaces,
  );
}

function shown(sources: Sources, io: CliIo): string {
  return relative(io.cwd, sources.statePath) || sources.statePath;
}

/** `stratum state rm ADDR...`: forgets resources; the hosts are not touched. */
export async function runStateRm(flags: SurgeryFlags & { addrs: string[] }, io: CliIo): Promise<number> {
  const sources = sourcesOf(flags, io);
  const removed = await forgetResources(stateBackendFor(sources), flags.addrs);
  for (const key of removed) io.out(`forgot ${key} (the host was not touched)`);
  io.out(`State saved to ${shown(sources, io)}`);
  return 0;
}

/** `stratum state mv FROM TO`: renames a resource in state; the next plan shows no delete and create. */
export async function runStateMv(
  flags: SurgeryFlags & { from: string; to: string },
  io: CliIo,
): Promise<number> {
  const sources = sourcesOf(flags, io);
  const moved = await moveResource(stateBackendFor(sources), flags.from, flags.to);
  if (moved.length === 0) io.out(`${flags.from} is already at that address; nothing to do`);
  else io.out(`moved ${moved[0]} to ${moved[1]}`);
  io.out(`State saved to ${shown(sources, io)}`);
  return 0;
}
