import { addrKey, type DesiredResource, dependsOn } from '@stratum/core';
import type { CliIo } from '../io';
import { GRAPH_FORMAT_VERSION, type GraphDocument } from '../output/graph-json';
import { loadConfig, type PlanFlags } from '../pipeline';

/**
 * `stratum graph`: the resources and their edges as Graphviz DOT (dependent →
 * dependency): `depends_on` solid, references between resources dashed;
 * `--json` the same as a versioned document.
 */
export async function runGraph(
  flags: PlanFlags & { json?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  const { extracted } = await loadConfig({ ...flags, allowUnresolvedSecrets: true }, io);
  const graph = graphOf(extracted.resources);
  if (flags.json) {
    io.out(JSON.stringify(graph));
    return 0;
  }
  io.out('digraph stratum {');
  io.out('  rankdir = "LR";');
  for (const node of graph.nodes) {
    io.out(`  ${JSON.stringify(node.address)};`);
    for (const edge of graph.edges.filter((e) => e.from === node.address)) {
      const style = edge.via === 'reference' ? ' [style = dashed]' : '';
      io.out(`  ${JSON.stringify(edge.from)} -> ${JSON.stringify(edge.to)}${style};`);
    }
  }
  io.out('}');
  return 0;
}

function graphOf(resources: readonly DesiredResource[]): GraphDocument {
  const graph: GraphDocument = { format_version: GRAPH_FORMAT_VERSION, nodes: [], edges: [] };
  for (const resource of resources) {
    const address = addrKey(resource.addr);
    graph.nodes.push({
      address,
      kind: resource.addr.kind,
      name: resource.addr.name,
      provider: resource.provider,
    });
    const explicit = dependsOn(resource.attrs);
    for (const to of explicit) graph.edges.push({ from: address, to, via: 'depends_on' });
    const read = new Set((resource.source?.refs ?? []).map((ref) => ref.target));
    for (const to of read)
      if (!explicit.includes(to)) graph.edges.push({ from: address, to, via: 'reference' });
  }
  return graph;
}
