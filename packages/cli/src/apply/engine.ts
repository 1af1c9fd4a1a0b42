import {
  addrKey,
  type JsonObject,
  type JsonValue,
  type Plan,
  type PlannedResource,
  type ProviderContext,
  parseAttrs,
  type RedactionMap,
  type Registry,
  redactInto,
  type State,
} from '@stratum/core';

/**
 * Executes a plan's steps through the providers.
 *
 * - Steps of one host run one after another, in plan order; different hosts
 *   run in parallel — unless a `depends_on` edge crosses hosts, then every
 *   step runs in plan order.
 * - After every successful step the state is updated (provider result with
 *   secrets redacted) and persisted, so an apply that fails or is killed
 *   half-way keeps exactly what it did.
 * - The first failure stops every host from starting another step.
 *
 * The plan must be the UNREDACTED one (providers need the plaintext); nothing
 * here prints attribute values.
 */
export interface ApplyDeps {
  registry: Registry;
  ctx: ProviderContext;
  redaction: RedactionMap;
  /** The working state: updated in place after every step. */
  state: State;
  persist(state: State): Promise<void>;
  /** Called after every successful create/update (the readiness wait). */
  afterStep?(step: PlannedResource): Promise<void>;
  onEvent?(event: ApplyEvent): void;
}

export type ApplyEvent =
  | { type: 'start'; step: PlannedResource; host: string | undefined }
  | { type: 'done'; step: PlannedResource; host: string | undefined; elapsedMs: number }
  | { type: 'failed'; step: PlannedResource; host: string | undefined; error: unknown };

export interface ApplyOutcome {
  completed: PlannedResource[];
  failure?: { step: PlannedResource; error: unknown } | undefined;
}

export async function applyPlan(plan: Plan, deps: ApplyDeps): Promise<ApplyOutcome> {
  const work = plan.steps.filter((step) => step.action !== 'noop');
  const completed: PlannedResource[] = [];
  let failure: ApplyOutcome['failure'];
  let persisting = Promise.resolve();
  const persist = () => {
    persisting = persisting.then(() => deps.persist(deps.state));
    return persisting;
  };

  const runLane = async (steps: PlannedResource[]) => {
    for (const step of steps) {
      if (failure !== undefined || deps.ctx.signal.aborted) return;
      const host = hostOf(step);
      const started = performance.now();
      deps.onEvent?.({ type: 'start', step, host });
      try {
        await runStep(step, deps);
        await persist();
        if (step.action !== 'delete') await deps.afterStep?.(step);
        completed.push(step);
        deps.onEvent?.({ type: 'done', step, host, elapsedMs: performance.now() - started });
      } catch (error) {
        failure ??= { step, error };
        deps.onEvent?.({ type: 'failed', step, host, error });
        return;
      }
    }
  };

  await Promise.all(lanes(work).map(runLane));
  await persisting;
  return { completed, failure };
}

async function runStep(step: PlannedResource, deps: ApplyDeps): Promise<void> {
  const { handler } = deps.registry.forKind(step.addr.kind);
  const key = addrKey(step.addr);
  const { kind, name } = step.addr;
  if (step.action === 'delete') {
    await handler.delete({ kind, name, prior: step.prior }, deps.ctx);
    delete deps.state.resources[key];
    return;
  }
  const raw = step.desired as JsonObject;
  const attrs = parseAttrs(handler, raw, step.addr);
  const result =
    step.action === 'create'
      ? await handler.create({ kind, name, attrs, raw }, deps.ctx)
      : await handler.update({ kind, name, attrs, raw, prior: step.prior }, deps.ctx);
  deps.state.resources[key] = {
    addr: { kind, name },
    provider: step.provider,
    attrs: redactInto(withDependsOn(result, raw), deps.redaction),
  };
}

/** Delete ordering needs the edges in state even for kinds whose provider does not record them. */
function withDependsOn(result: JsonObject, desired: JsonObject): JsonObject {
  const edges = desired.depends_on;
  if (edges === undefined || 'depends_on' in result) return result;
  return { ...result, depends_on: edges };
}

function hostOf(step: PlannedResource): string | undefined {
  const pick = (value: JsonValue) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value.host === 'string'
      ? value.host
      : undefined;
  return pick(step.desired) ?? pick(step.prior);
}

/** Groups steps into per-host lanes, or one lane when a dependency crosses hosts. */
function lanes(steps: PlannedResource[]): PlannedResource[][] {
  const hostByKey = new Map(steps.map((s) => [addrKey(s.addr), hostOf(s)]));
  const crossesHosts = steps.some((step) =>
    dependsOnList(step).some((target) => hostByKey.has(target) && hostByKey.get(target) !== hostOf(step)),
  );
  if (crossesHosts) return [steps];
  const byHost = new Map<string | undefined, PlannedResource[]>();
  for (const step of steps) {
    const host = hostOf(step);
    byHost.set(host, [...(byHost.get(host) ?? []), step]);
  }
  return [...byHost.values()];
}

function dependsOnList(step: PlannedResource): string[] {
  const source = (step.action === 'delete' ? step.prior : step.desired) as JsonObject | null;
  const edges = source?.depends_on;
  return Array.isArray(edges) ? edges.filter((e): e is string => typeof e === 'string') : [];
}
