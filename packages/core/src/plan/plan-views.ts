import { addrKey } from '../addr';
import type { Registry } from '../registry';
import type { DesiredResource, JsonObject } from '../types';

/**
 * Computes every desired resource's `planView` (see `KindHandler.planView`),
 * for `buildPlan`'s `views` option. Resources whose kind has no `planView`, or
 * no provider, are left out: the planner then diffs their attrs as they are.
 */
export async function planViews(
  desired: readonly DesiredResource[],
  registry: Registry,
): Promise<Map<string, JsonObject>> {
  const views = new Map<string, JsonObject>();
  await Promise.all(
    desired.map(async (resource) => {
      const kind = resource.addr.kind;
      if (!registry.kinds().includes(kind)) return;
      const { handler } = registry.forKind(kind);
      if (handler.planView === undefined) return;
      views.set(
        addrKey(resource.addr),
        await handler.planView(resource.attrs, { kind, name: resource.addr.name }),
      );
    }),
  );
  return views;
}
