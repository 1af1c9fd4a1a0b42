import { addrKey, dependsOn } from '@stratum/core';
import type { CliIo } from '../io';
import { loadConfig, type PlanFlags } from '../pipeline';

/**
 * `stratum graph`: the resources and their edges as Graphviz DOT (dependent →
 * dependency): `depends_on` solid, references between resources dashed.
 */
export async function runGraph(flags: PlanFlags, io: CliIo): Promise<number> {
  const { extracted } = await loadConfig({ ...flags, allowUnresolvedSecrets: true }, io);
  io.out('digraph stratum {');
  io.out('  rankdir = "LR";');
  for (const resource of extracted.resources) {
    const key = addrKey(resource.addr);
    io.out(`  ${JSON.stringify(key)};`);
    const explicit = dependsOn(resource.attrs);
    for (const target of explicit) io.out(`  ${JSON.stringify(key)} -> ${JSON.stringify(target)};`);
    const read = new Set((resource.source?.refs ?? []).map((ref) => ref.target));
    for (const target of read)
      if (!explicit.includes(target))
        io.out(`  ${JSON.stringify(key)} -> ${JSON.stringify(target)} [style = dashed];`);
  }
  io.out('}');
  return 0;
}
