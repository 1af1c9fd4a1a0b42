import { addrKey } from '../addr';
import { compareKeys } from '../json';
import type { ResourceState } from '../types';
import { dependsOn } from './depends-on';
import { MinHeap } from './min-heap';

/**
 * The teardown order of resources leaving state. Uses the `depends_on` edges
 * recorded in their state attrs and the references state recorded (`reads`)
 * — config no longer has them: a dependent is deleted before what it depends
 * on or reads, so the dependency keeps serving while the dependent shuts down.
 *
 * Resources not linked to any other leaving resource go first, in reverse
 * order of their addresses (the spec's "reverse iteration of the state map",
 * which puts leaves before roots for common naming). The linked ones follow
 * in dependency order, ties broken the same way. Edges to resources that stay
 * are irrelevant here. A cycle in recorded edges (only a hand-edited state
 * can hold one) does not block teardown: its members go last, in the same
 * reverse address order.
 */
export function deleteOrder<R extends ResourceState>(leaving: readonly R[]): R[] {
  const sorted = [...leaving]
    .map((r) => ({ r, key: addrKey(r.addr) }))
    .sort((a, b) => compareKeys(b.key, a.key));
  const n = sorted.length;
  const indexByKey = new Map(sorted.map((e, i) => [e.key, i]));

  // Edge i -> j: i (the dependent) goes before j (its dependency).
  const after: number[][] = Array.from({ length: n }, () => []);
  const inDegree = new Int32Array(n);
  const linked = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (const target of [...dependsOn(sorted[i]!.r.attrs), ...(sorted[i]!.r.reads ?? [])]) {
      const j = indexByKey.get(target);
      if (j === undefined || j === i) continue;
      after[i]!.push(j);
      inDegree[j]!++;
      linked[i] = 1;
      linked[j] = 1;
    }
  }

  const order: R[] = [];
  for (let i = 0; i < n; i++) if (!linked[i]) order.push(sorted[i]!.r);

  const ready = new MinHeap((a, b) => a < b);
  for (let i = 0; i < n; i++) if (linked[i] && inDegree[i] === 0) ready.push(i);
  const placed = new Uint8Array(n);
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    placed[i] = 1;
    order.push(sorted[i]!.r);
    for (const j of after[i]!) if (--inDegree[j]! === 0) ready.push(j);
  }
  for (let i = 0; i < n; i++) if (linked[i] && !placed[i]) order.push(sorted[i]!.r);
  return order;
}
