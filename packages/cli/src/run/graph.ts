import { addrKey, dependsOn } from '@stratum/core';
import type { CliIo } from '../io';
import { loadConfig, type PlanFlags } from '../pipeline';

/** `stratum graph`: the resources and their `depends_on` edges as Graphviz DOT (dependent → dependency). */
export async function runGraph(flags: PlanFlags, io: CliIo): Promise<number> {
  const { extracted } = await loadConfig({ ...flags, allowUnresolvedSecrets: true }, io);
  io.out('digraph stratum {');
  io.out('  rankdir = "LR";');
  for (const resource of extracted.resources) {
    const key = addrKey(resource.addr);
    io.out(`  ${JSON.stringify(key)};`);
    for (const target of dependsOn(resource.attrs))
      io.out(`  ${JSON.stringify(key)} -> ${JSON.stringify(target)};`);
  }
  io.out('}');
  return 0;
}
