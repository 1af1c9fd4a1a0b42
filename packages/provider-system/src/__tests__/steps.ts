import type { Drift, JsonObject, KindHandler, OnceMemo, Provider } from '@stratum/core';
import { refreshOne, runStep, type TestContext } from '@stratum/core/test';

/**
 * Create, update, delete and refresh for real-host tests: each step is built
 * by the kind and run the way the engine runs it (`runStep`), with desired
 * attrs parsed by the kind's schema as the planner parses them, and `raw`
 * the attrs as written (as the engine passes both).
 */
export function stepsOf(
  provider: Provider,
  newContext: () => TestContext,
  options: { once?: OnceMemo } = {},
) {
  const handler = (kind: string) => provider.kinds[kind] as KindHandler;
  const desired = (kind: string, attrs: Record<string, unknown>) =>
    handler(kind).schema.parse(attrs) as JsonObject;
  return {
    desired,
    async create(kind: string, name: string, attrs: Record<string, unknown>, ctx = newContext()) {
      const run = await runStep(
        handler(kind),
        { action: 'create', kind, name, attrs: desired(kind, attrs), raw: attrs as JsonObject },
        ctx,
        options,
      );
      return run.recorded!;
    },
    async update(
      kind: string,
      name: string,
      attrs: Record<string, unknown>,
      prior: JsonObject,
      ctx = newContext(),
    ) {
      const run = await runStep(
        handler(kind),
        { action: 'update', kind, name, attrs: desired(kind, attrs), raw: attrs as JsonObject, prior },
        ctx,
        options,
      );
      return run.recorded!;
    },
    async remove(kind: string, name: string, prior: JsonObject, ctx = newContext()) {
      await runStep(handler(kind), { action: 'delete', kind, name, prior }, ctx, options);
    },
    /** What `stratum plan --refresh` would say about a resource state records as `state`. */
    drift(kind: string, name: string, state: JsonObject): Promise<Drift> {
      return refreshOne(provider, { kind, name, desired: state, state }, newContext());
    },
  };
}
