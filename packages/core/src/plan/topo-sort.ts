import { addrKey } from '../addr';
import { isImplicitName } from '../implicit';
import type { DesiredResource, SourceLocation } from '../types';
import { dependsOn, triggeredBy } from './depends-on';
import { PlanError } from './errors';
import { MinHeap } from './min-heap';

/**
 * Orders desired resources so every resource comes after everything its
 * `depends_on` names (any kind may carry `depends_on`; docker_container is the
 * one that documents it), everything its `triggered_by` names (a restart
 * must follow the change that calls for it) and every resource whose
 * attributes it reads (`source.refs`: the value is taken before apply, and
 * the order says the producer lands first).
 *
 * Kahn's algorithm with a ready set ordered by position in the input: among
 * the resources that could go next, the one declared first goes first. So
 * resources without edges keep their file order, a dependent lands right after
 * its last dependency, and implicit `_stratum_*` resources (declared first,
 * never depending on anything) stay at the front — they are also preferred
 * explicitly, wherever they appear.
 *
 * @throws PlanError `UnknownDependency` for an edge to an address not in the
 *   desired set; `DependencyCycle` with the cycle's path.
 */
export function topoSortDesired<R extends DesiredResource>(desired: readonly R[]): R[] {
  const n = desired.length;
  const indexByKey = new Map<string, number>();
  const keys = desired.map((r, i) => {
    const key = addrKey(r.addr);
    indexByKey.set(key, i);
    return key;
  });

  const deps: number[][] = new Array(n);
  const dependents: number[][] = Array.from({ length: n }, () => []);
  const inDegree = new Int32Array(n);
  // The edges that are not `depends_on`, as `from>to` index pairs → the site, for the messages.
  const otherEdges = new Map<string, Edge>();
  for (let i = 0; i < n; i++) {
    const mine: number[] = [];
    for (const edge of edgesOf(desired[i]!)) {
      const j = indexByKey.get(edge.target);
      if (j === undefined) {
        throw new PlanError(
          'UnknownDependency',
          `${edge.via} edge: \`${keys[i]}\` references unknown resource \`${edge.target}\`${edge.via === 'depends_on' ? '' : at(edge.location)}`,
          {
            addresses: [keys[i]!, edge.target],
            hint:
              instancesHint(edge.target, keys) ??
              `declare \`${edge.target}\` in this configuration, or remove it from \`${keys[i]}\`'s ${edge.via === 'reference' ? 'attributes' : edge.via}`,
          },
        );
      }
      if (edge.via !== 'depends_on' && !otherEdges.has(`${i}>${j}`)) otherEdges.set(`${i}>${j}`, edge);
      if (mine.includes(j)) continue;
      mine.push(j);
      dependents[j]!.push(i);
      inDegree[i]!++;
    }
    deps[i] = mine;
  }

  const implicit = desired.map((r) => isImplicitName(r.addr.name));
  const ready = new MinHeap((a, b) => (implicit[a] !== implicit[b] ? implicit[a]! : a < b));
  for (let i = 0; i < n; i++) if (inDegree[i] === 0) ready.push(i);

  const order: R[] = [];
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    order.push(desired[i]!);
    for (const d of dependents[i]!) {
      if (--inDegree[d]! === 0) ready.push(d);
    }
  }
  if (order.length < n) {
    const path = findCycle(deps, inDegree);
    const cycle = path.map((i) => keys[i]!);
    const arrows = cycle.map((k) => `\`${k}\``).join(' -> ');
    // The spec's message for a depends_on cycle; one through another edge says which and where.
    const other = path
      .slice(0, -1)
      .map((from, k) => otherEdges.get(`${from}>${path[k + 1]}`))
      .filter((edge): edge is Edge => edge !== undefined);
    if (other.length === 0) {
      throw new PlanError('DependencyCycle', `depends_on cycle: ${arrows}`, {
        addresses: cycle.slice(0, -1),
        cycle,
        hint: 'remove one of the depends_on edges in the cycle',
      });
    }
    const kinds = [...new Set(['depends_on', ...other.map((e) => e.via)])].join(' / ');
    throw new PlanError('DependencyCycle', `${kinds} cycle: ${arrows}${at(other[0]!.location)}`, {
      addresses: cycle.slice(0, -1),
      cycle,
      hint: other.some((e) => e.via === 'triggered_by')
        ? 'a resource cannot re-run on a change that must wait for it: remove one of the edges in the cycle'
        : 'a resource cannot wait for one that waits for it: remove one of the edges in the cycle',
    });
  }
  return order;
}

/** One ordering edge of a resource: what it names, how, and where that was written. */
interface Edge {
  readonly target: string;
  readonly via: 'depends_on' | 'triggered_by' | 'reference';
  readonly location: SourceLocation | undefined;
}

/** A resource's `depends_on`, `triggered_by` and reference edges, in that order. */
function edgesOf(resource: DesiredResource): Edge[] {
  const attrAt = (attr: string) => resource.source?.attrs[attr] ?? resource.source?.block;
  return [
    ...dependsOn(resource.attrs).map(
      (target): Edge => ({ target, via: 'depends_on', location: attrAt('depends_on') }),
    ),
    ...triggeredBy(resource.attrs).map(
      (target): Edge => ({ target, via: 'triggered_by', location: attrAt('triggered_by') }),
    ),
    ...(resource.source?.refs ?? []).map(
      (ref): Edge => ({ target: ref.target, via: 'reference', location: ref.location }),
    ),
  ];
}

/** ` at file:line:col`, when the resource came from a file. */
function at(location: SourceLocation | undefined): string {
  return location === undefined
    ? ''
    : ` at ${location.file ?? '<input>'}:${location.line}:${location.column}`;
}

/**
 * One cycle among the resources Kahn could not place (those still with
 * incoming edges), as indexes with the first repeated at the end. Starts at
 * the earliest-declared unplaced resource and follows its first unplaced
 * dependency until a resource repeats.
 */
function findCycle(deps: readonly number[][], inDegree: Int32Array): number[] {
  let start = 0;
  while (inDegree[start] === 0) start++;
  const path: number[] = [];
  const at = new Map<number, number>();
  let current = start;
  while (!at.has(current)) {
    at.set(current, path.length);
    path.push(current);
    // An unplaced resource always has an unplaced dependency: that edge is why it is unplaced.
    current = deps[current]!.find((d) => inDegree[d]! > 0)!;
  }
  const cycle = path.slice(at.get(current));
  cycle.push(current);
  return cycle;
}

/**
 * A `for_each` resource exists only as its instances (`kind.name["key"]`):
 * an edge to the bare `kind.name` is told which addresses to write instead.
 */
function instancesHint(target: string, keys: readonly string[]): string | undefined {
  const instances = keys.filter((key) => key.startsWith(`${target}["`));
  if (instances.length === 0) return undefined;
  const shown = instances.slice(0, 3).map((key) => JSON.stringify(key));
  return `\`${target}\` has instances: name them in depends_on, e.g. ${shown.join(', ')}${instances.length > 3 ? ', ...' : ''}`;
}
