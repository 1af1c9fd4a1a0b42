import { addrKey } from '../addr';
import { buildPlan } from '../plan/build-plan';
import { settleKnownValues } from '../plan/known-values';
import { withDrift } from '../plan/plan';
import { planViews } from '../plan/plan-views';
import { planRepairs } from '../plan/repair';
import { adoptSavedDigests, checkSavedPlan, type SavedPlan } from '../plan/saved-plan';
import { planTriggers } from '../plan/triggers';
import { type PreparedDesired, prepareDesired } from '../prepare';
import type { ProviderContext, ProviderLogger } from '../provider';
import { refreshPlan } from '../refresh';
import type { Registry } from '../registry';
import { markersIn } from '../secrets/markers';
import { scrubText } from '../secrets/redact';
import type { RedactionMap } from '../secrets/redaction-map';
import type { StateBackend, StateLockRequest } from '../state/backend';
import type { Transport } from '../transport';
import type { DesiredResource, Drift, JsonObject, Plan, State } from '../types';
import { type ProviderSettings, parseProviderSettings, validateProviderSettings } from '../validate';
import { type ApplyOutcome, applyPlan } from './apply-plan';
import type { EngineEvent } from './events';
import { checkGuards } from './guards';
import { importResources } from './import';
import { type RunDescription, runRecorder, stepsOf } from './run-history';

/** What an {@link Engine} works with. */
export interface EngineOptions {
  /** The providers of the run. */
  readonly registry: Registry;
  /** How commands reach hosts (the pooled ssh transport of `@stratum/provider-ssh`). */
  readonly transport: Transport;
  /** Where state lives (`fileStateBackend(path)`). */
  readonly state: StateBackend;
  /** The secrets the desired attrs hold in plaintext (`@stratum/config`'s `redaction`). */
  readonly redaction?: RedactionMap | undefined;
  /** The config's `provider "<name>" { ... }` blocks (`@stratum/config`'s `providers`). */
  readonly providers?: readonly ProviderSettings[] | undefined;
  /** Aborts the run: no further step starts, running commands are stopped. */
  readonly signal?: AbortSignal | undefined;
  /** Progress: steps starting and finishing, kinds' trace lines, warnings. */
  readonly onEvent?: ((event: EngineEvent) => void) | undefined;
  /** What the run is, recorded in the state lock for others' messages. Default `stratum apply`. */
  readonly command?: string | undefined;
  /** Told when a lock left by a dead run was taken over. */
  readonly onStaleLock?: StateLockRequest['onStaleLock'];
  /** Waits for readiness pauses and polls; tests pass a fake. */
  readonly sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
  /**
   * How many hosts a refresh reads and an apply changes at once (each host's
   * steps still in plan order). Default 64.
   */
  readonly parallelism?: number | undefined;
}

/** Options of {@link Engine.plan}. */
export interface EnginePlanOptions {
  /** Read every resource from its host and annotate the plan with drift. */
  readonly refresh?: boolean | undefined;
  /** Refresh, then turn drift into work (`apply --refresh`): missing → create, differing → update. */
  readonly repair?: boolean | undefined;
  /** Sees the state the plan is made against (what `plan -o` records the digest of). */
  readonly onState?: ((state: State) => void) | undefined;
}

/** Options of {@link Engine.apply}. */
export interface EngineApplyOptions extends EnginePlanOptions {
  /** Let the plan delete resources that left the config (the destruction guard). */
  readonly allowDestroy?: boolean | undefined;
  /** Sees the plan before the guards run and before anything changes: the place to print it. */
  readonly onPlan?: ((plan: Plan) => void | Promise<void>) | undefined;
  /** Re-read every resource afterwards and report drift (the post-apply self-check). Default true. */
  readonly selfCheck?: boolean | undefined;
  /**
   * Apply exactly this saved plan (`stratum apply PLANFILE`): under the lock the
   * plan is made again and must be it — same prior state, same secrets, same
   * steps — or the apply is refused (`SavedPlanError`) before anything changes.
   */
  readonly savedPlan?: SavedPlan | undefined;
  /**
   * The run as the backend's history records it (`stratum state history`):
   * its arguments and configs. Without it, or with a backend that keeps no
   * history, nothing is recorded.
   */
  readonly run?: RunDescription | undefined;
}

/** What {@link Engine.apply} did. */
export interface EngineApplyResult {
  /** The plan that was applied (unredacted: print `redactPlan(plan)`). */
  readonly plan: Plan;
  /** What the steps did; absent when the plan had nothing to do. */
  readonly outcome?: ApplyOutcome | undefined;
  /** The self-check: the new state planned against the same config and refreshed. */
  readonly check?: Plan | undefined;
}

/**
 * Plan → (refresh) → guards → apply with state saved after every step →
 * self-check → state flushed, as a library. The CLI is one front end of it; a program that
 * loads configs with `@stratum/config` can be another (docs/guides/automation.md).
 */
export interface Engine {
  /** Runs the kinds' `prepare` and every check that needs no host: schemas, secret placement, provider settings. */
  prepare(desired: readonly DesiredResource[]): Promise<PreparedDesired>;
  /** Plans prepared desired resources against the state (read without the lock). */
  plan(desired: readonly DesiredResource[], options?: EnginePlanOptions): Promise<Plan>;
  /** Reads every resource the plan has state for from its host: one round trip per host. */
  refresh(plan: Plan): Promise<Plan>;
  /**
   * Applies prepared desired resources: takes the state lock, plans against
   * the state it then reads, passes the guards, configures the providers, runs
   * the steps and re-checks. A failed step does not reject: it is
   * `outcome.failure`, and state holds every step that finished.
   */
  apply(desired: readonly DesiredResource[], options?: EngineApplyOptions): Promise<EngineApplyResult>;
  /**
   * `stratum import`: reads the named resources (in `desired`, not in state)
   * from their hosts and records them under the lock as an apply would have;
   * returns the keys recorded. `args` makes it a run in the history.
   */
  import(
    desired: readonly DesiredResource[],
    addrs: readonly string[],
    args?: readonly string[],
  ): Promise<readonly string[]>;
}

/** An {@link Engine} over the given providers, transport and state. */
export function createEngine(options: EngineOptions): Engine {
  const signal = options.signal ?? new AbortController().signal;
  const emit = scrubbingEmitter(options);
  const log: ProviderLogger = {
    trace: (line) => emit({ type: 'log', level: 'trace', line }),
    warn: (line) => emit({ type: 'log', level: 'warn', line }),
    debug: (line) => emit({ type: 'log', level: 'debug', line }),
  };
  const ctx: ProviderContext = { transport: options.transport, log, signal };

  // Providers are configured once, before anything of theirs reaches a host
  // (a refresh's reads as much as an apply's steps).
  let configured: Promise<void> | undefined;
  const configureProviders = () => {
    configured ??= (async () => {
      for (const block of options.providers ?? []) {
        const provider = options.registry.provider(block.name);
        await provider?.configure?.(parseProviderSettings(block, provider), ctx);
      }
    })();
    return configured;
  };

  const refresh = async (plan: Plan) => {
    await configureProviders();
    return refreshPlan(plan, options.registry, ctx, { hostConcurrency: options.parallelism });
  };

  const planAgainst = async (
    desired: readonly DesiredResource[],
    state: State,
    plan: EnginePlanOptions,
    known?: Awaited<ReturnType<typeof planViews>>,
  ) => {
    // Salted digests are slow on purpose: check the state's markers and make new ones all at once.
    await options.redaction?.settle(markersIn(state.resources));
    let views = known ?? (await planViews(desired, options.registry));
    let current = desired;
    // Hosts are read once; a plan made again (below) keeps what they said.
    let drift: ReadonlyMap<string, Drift> | undefined;
    for (;;) {
      let made = buildPlan(current, state, {
        redaction: options.redaction,
        views,
        registry: options.registry,
      });
      if (drift !== undefined) made = withDrift(made, drift);
      else if (plan.refresh || plan.repair) {
        made = await refresh(made);
        drift = driftByKey(made);
      }
      if (plan.repair) made = planRepairs(made);
      // Values known after apply whose producer turned out to have nothing to
      // do are known now: plan again with them (a chain settles layer by layer).
      const settled = settleKnownValues(current, made, state);
      if (settled === undefined) return planTriggers(made, state, options.registry);
      current = settled.desired;
      views = await viewsWith(views, settled.changed, options.registry);
    }
  };

  return {
    async prepare(desired) {
      const prepared = await prepareDesired(desired, options.registry, { redaction: options.redaction });
      const settings = validateProviderSettings(options.providers ?? [], options.registry);
      return { resources: prepared.resources, diagnostics: [...prepared.diagnostics, ...settings] };
    },

    async plan(desired, planOptions = {}) {
      const state = await options.state.read();
      planOptions.onState?.(state);
      return planAgainst(desired, state, planOptions);
    },

    refresh,

    import(desired, addrs, args) {
      const ctx = { registry: options.registry, state: options.state, redaction: options.redaction, refresh };
      return importResources(ctx, desired, addrs, args);
    },

    async apply(desired, applyOptions = {}) {
      const lease = await options.state.lock({
        command: options.command ?? 'stratum apply',
        onStaleLock: options.onStaleLock,
      });
      // The state's own format again once the steps are done (the file backends
      // fold their journal), still under the lock; see StateBackend.flush.
      const recorder = runRecorder(options.state, 'apply', applyOptions.run, options.redaction, log.warn);
      const failed = new Map<string, unknown>();
      let plan: Plan | undefined;
      let outcome: ApplyOutcome | undefined;
      let recorded = false;
      await recorder.start();
      let flushed = false;
      const flush = async () => {
        flushed = true;
        await options.state.flush?.();
      };
      try {
        const state = await options.state.read();
        // Local inputs (a directory's tree) are read once per apply: the self-check compares against the same.
        const views = await planViews(desired, options.registry);
        const saved = applyOptions.savedPlan;
        if (saved) await adoptSavedDigests(saved, options.redaction);
        // A saved plan's drift was information only: it is applied as planned, without a repair.
        plan = await planAgainst(desired, state, saved ? {} : applyOptions, views);
        if (saved) await checkSavedPlan(saved, plan, state, options.redaction);
        await applyOptions.onPlan?.(plan);
        checkGuards(plan, { allowDestroy: applyOptions.allowDestroy });
        const summary = plan.summary();
        if (summary.create + summary.update + summary.delete === 0) {
          await flush();
          await recorder.finish([]);
          recorded = true;
          return { plan };
        }
        await configureProviders();
        outcome = await applyPlan(plan, {
          registry: options.registry,
          transport: options.transport,
          signal,
          redaction: options.redaction,
          state,
          persist: (working, key) => options.state.write(working, key),
          persistMany: options.state.writeMany?.bind(options.state),
          emit: (event) => {
            if (event.type === 'step_failed') failed.set(addrKey(event.step.addr), event.error);
            emit(event);
          },
          sleep: options.sleep,
          parallelism: options.parallelism,
        });
        await flush();
        // The history says what the steps did; the self-check after them only reads.
        await recorder.finish(stepsOf(plan, outcome, failed, options.redaction));
        recorded = true;
        if (outcome.failure !== undefined || applyOptions.selfCheck === false) return { plan, outcome };
        // The working state is what every step persisted; reading it back would only cost time.
        const check = await planAgainst(desired, state, { refresh: true }, views);
        return { plan, outcome, check };
      } catch (error) {
        // Refused (a guard, a stale saved plan) or broken off: the history says which steps landed.
        if (!recorded) {
          recorded = true;
          await recorder.finish(
            plan === undefined ? [] : stepsOf(plan, outcome, failed, options.redaction),
            error,
          );
        }
        throw error;
      } finally {
        try {
          // Thrown before the flush: that error is the one to see, and whatever
          // `write` persisted is durable without the flush.
          if (!flushed) await options.state.flush?.().catch(() => undefined);
        } finally {
          await lease.release();
        }
      }
    },
  };
}

/** Per address, the drift a refreshed plan's steps carry. */
function driftByKey(plan: Plan): Map<string, Drift> {
  const out = new Map<string, Drift>();
  for (const step of plan.steps) if (step.drift !== undefined) out.set(addrKey(step.addr), step.drift);
  return out;
}

/** `views` with the views of `changed` made again from their new attrs. */
async function viewsWith(
  views: ReadonlyMap<string, JsonObject>,
  changed: readonly DesiredResource[],
  registry: Registry,
): Promise<Map<string, JsonObject>> {
  const next = new Map(views);
  for (const resource of changed) next.delete(addrKey(resource.addr));
  for (const [key, view] of await planViews(changed, registry)) next.set(key, view);
  return next;
}

/**
 * Every event the engine sends goes through here: log lines lose any secret
 * plaintext they carry (shown as `<secret:NAME sha:abc123>`), whoever wrote them.
 */
function scrubbingEmitter(options: EngineOptions): (event: EngineEvent) => void {
  const onEvent = options.onEvent;
  if (onEvent === undefined) return () => {};
  const redaction = options.redaction;
  return (event) => {
    if (event.type !== 'log' || redaction === undefined || redaction.size === 0) {
      onEvent(event);
      return;
    }
    onEvent({ ...event, line: scrubText(event.line, redaction) });
  };
}
