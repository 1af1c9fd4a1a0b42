import { relative } from 'node:path';
import type { CliIo } from '../io';
import { loadConfig, type PlanFlags } from '../pipeline';
import { withHostEngine } from './plan';

/**
 * `stratum import ADDR...`: reads resources the config declares (and state
 * does not track) from their hosts and records them as an apply would, so the
 * next plan shows only what differs. Nothing is changed on a host.
 */
export async function runImport(flags: PlanFlags & { addrs: string[] }, io: CliIo): Promise<number> {
  const loaded = await loadConfig(flags, io);
  const recorded = await withHostEngine(loaded, io, flags, (engine) =>
    engine.import(loaded.desired, flags.addrs, process.argv.slice(2)),
  );
  for (const key of recorded) io.out(`imported ${key} (read from its host; the host was not changed)`);
  const path = loaded.sources.statePath;
  io.out(`State saved to ${relative(io.cwd, path) || path}`);
  return 0;
}
