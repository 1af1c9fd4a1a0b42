/**
 * The attributes every resource block takes besides its kind's: the
 * planner's (`depends_on`, `triggered_by`, core's `PLANNER_ATTRS`) and the
 * config's `for_each`.
 */
export const PLANNER_ATTRS_FOR_EDITORS = [
  { name: 'depends_on', detail: 'a list of resource addresses: applied after them' },
  { name: 'triggered_by', detail: 'a list of resource addresses: re-run when they change' },
  { name: 'for_each', detail: 'a group, list or map: one instance per item' },
] as const;
