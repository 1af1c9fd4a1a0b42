import type { JsonValue } from '../types';

/**
 * The `depends_on` addresses recorded in a resource's attrs (desired or
 * state), deduplicated, in declared order. Anything that is not a list of
 * strings counts as no edges: attribute validation reports bad shapes, the
 * planner only orders.
 */
export function dependsOn(attrs: JsonValue): string[] {
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) return [];
  const list = attrs.depends_on;
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  for (const entry of list) if (typeof entry === 'string') seen.add(entry);
  return [...seen];
}
