import { addrKey } from '../addr';
import { afterApplyMarker, afterApplyRefs } from '../after-apply';
import type { KindHandler } from '../provider';
import type { Registry } from '../registry';
import { sha256Hex } from '../secrets/redaction-map';
import type { DesiredResource, JsonObject } from '../types';

/**
 * Desired attrs in the shape the kind's state holds them, for diffing only:
 * every attribute the kind records as a digest (`KindHandler.digests`)
 * replaced by that digest. Returns `attrs` itself when nothing changes; never
 * mutates it.
 */
export function digestedAttrs(handler: KindHandler<unknown>, attrs: JsonObject): JsonObject {
  const digests = handler.digests;
  if (digests === undefined) return attrs;
  let out: JsonObject | undefined;
  for (const [attr, field] of Object.entries(digests)) {
    const value = attrs[attr];
    if (typeof value !== 'string') continue;
    out ??= { ...attrs };
    delete out[attr];
    // The digest of a value known only after apply is not known either.
    const unknown = afterApplyRefs(value)[0];
    out[field] = unknown === undefined ? sha256Hex(value) : afterApplyMarker(unknown.target, unknown.attr);
  }
  return out ?? attrs;
}

/**
 * Per address, the attrs the planner diffs against state instead of the
 * desired ones, for `buildPlan`'s `views` option: digests (see
 * {@link digestedAttrs}), then the kind's `planView` (which may read local
 * files). Resources whose kind has neither, or no provider, are left out.
 */
export async function planViews(
  desired: readonly DesiredResource[],
  registry: Registry,
): Promise<Map<string, JsonObject>> {
  const views = new Map<string, JsonObject>();
  await Promise.all(
    desired.map(async (resource) => {
      const kind = resource.addr.kind;
      if (!registry.has(kind)) return;
      const { handler } = registry.forKind(kind);
      let view = digestedAttrs(handler, resource.attrs);
      if (handler.planView !== undefined) {
        view = await handler.planView(view, { kind, name: resource.addr.name });
      }
      if (view !== resource.attrs) views.set(addrKey(resource.addr), view);
    }),
  );
  return views;
}
