import type { JsonValue } from '../types';

/**
 * The `depends_on` addresses recorded in a resource's attrs (desired or
 * state), deduplicated, in declared order. Anything that is not a list of
 * strings counts as no edges: attribute validation reports bad shapes, the
 * planner only orders.
 */
export function dependsOn(attrs: JsonValue): string[] {
  return addressList(attrs, 'depends_on');
}

/**
 * The `triggered_by` addresses of a resource's desired attrs, the same way:
 * the resources whose change re-runs this one. Each is an ordering edge too.
 */
export function triggeredBy(attrs: JsonValue): string[] {
  return addressList(attrs, 'triggered_by');
}

/** The planner's own attributes: any resource may carry them; they are taken out before its kind's schema sees the rest. */
export const PLANNER_ATTRS = ['depends_on', 'triggered_by'] as const;

function addressList(attrs: JsonValue, attr: (typeof PLANNER_ATTRS)[number]): string[] {
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) return [];
  const list = attrs[attr];
  if (!Array.isArray(list)) return [];
  const seen = new Set<string>();
  for (const entry of list) if (typeof entry === 'string') seen.add(entry);
  return [...seen];
}
