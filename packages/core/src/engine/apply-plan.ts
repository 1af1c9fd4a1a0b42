import { addrKey } from '../addr';
import { afterApplyRefs, holdsAfterApply, substituteAfterApply } from '../after-apply';
import { DEFAULT_PARALLELISM, eachLimited } from '../each-limited';
import { StratumError } from '../errors';
import { isJsonObject } from '../json';
import type { Operation } from '../operation';
import { dependsOn, triggeredBy } from '../plan/depends-on';
import { recordedOutput } from '../plan/known-values';
import type { KindHandler } from '../provider';
import type { Registry } from '../registry';
import { redactInto, scrubText } from '../secrets/redact';
import type { RedactionMap } from '../secrets/redaction-map';
import type { ExecResult, Transport } from '../transport';
import type { JsonObject, Plan, PlannedResource, State } from '../types';
import { parseAttrs } from '../validate';
import { awaitReady } from './await-ready';
import type { EngineEvent } from './events';
import { LanePipeline } from './pipeline';
import { refuseMarkers, revealPrior } from './replay';
import { OnceMemo, runOperation } from './run-operation';
import { ShellSessions } from './shell-session';
import { vectorGroup, writeVector } from './vector-write';

/** What {@link applyPlan} works with. */
export interface ApplyPlanOptions {
  readonly registry: Registry;
  readonly transport: Transport;
  readonly signal: AbortSignal;
  /** The secrets the plan's attrs hold in plaintext: redacted before anything is recorded. */
  readonly redaction?: RedactionMap | undefined;
  /** The working state: updated in place after every step. */
  readonly state: State;
  /** Persists the working state after the step that changed `key`. */
  persist(state: State, key: string): Promise<void>;
  /**
   * Persists the entries of several steps that finished together (one vector
   * write did them) at once. Optional: without it `persist` runs per key.
   */
  readonly persistMany?: ((state: State, keys: readonly string[]) => Promise<void>) | undefined;
  emit(event: EngineEvent): void;
  /**
   * Run each host's commands through one long-lived shell when the transport
   * streams (`Transport.streaming`); default true. See `shell-session.ts`.
   */
  readonly shellSessions?: boolean | undefined;
  /** How many hosts' steps run at once (each host's in plan order). Default {@link DEFAULT_PARALLELISM}. */
  readonly parallelism?: number | undefined;
  /** Waits for readiness pauses and polls; tests pass a fake. */
  readonly sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

/** What an apply did. */
export interface ApplyOutcome {
  /** The steps that finished (state holds their result), in the order they finished. */
  readonly completed: readonly PlannedResource[];
  /** The steps with work (every step but no-ops). */
  readonly total: number;
  /** The first step that failed and why; absent when every step finished. */
  readonly failure?: { readonly step: PlannedResource; readonly error: unknown } | undefined;
}

/** A step with the handler and operation that carry it out. */
interface Work {
  readonly step: PlannedResource;
  /** Undefined only when the kind is not loaded (then `buildError` says so). */
  readonly handler: KindHandler<unknown> | undefined;
  /** Parsed desired attrs (create / update). */
  readonly attrs: unknown;
  readonly operation: Operation | undefined;
  /**
   * The kind's re-run after `operation` (see {@link KindTrigger}), when the step
   * has a trigger and its own work does not already re-run.
   */
  readonly rerun?: Operation | undefined;
  /** The step's only work is the re-run (`operation` is it): what state records stays as it was. */
  readonly rerunOnly?: boolean | undefined;
  /** Why the operation could not be built; the step fails with it when its turn comes. */
  readonly buildError?: unknown;
  /**
   * The producers (addresses) of known-after-apply values in the step's
   * desired attrs: until they finished, `operation` was built with markers
   * and only tells the host and the lane (see {@link settleKnown}).
   */
  readonly awaiting?: readonly string[] | undefined;
  /** The desired attrs the operation was built from, when they are not the step's (values substituted at apply). */
  readonly raw?: JsonObject | undefined;
}

/**
 * Executes a plan's steps through their kinds' operations.
 *
 * - Every step's operation is built first (that touches no host); steps of one
 *   host run one after another in plan order, different hosts in parallel
 *   (`parallelism` at a time) —
 *   unless a step reaches across hosts (a `depends_on` edge, a command on
 *   another host), then every step runs in plan order.
 * - After every successful step the state entry is updated (the recorded attrs,
 *   secrets redacted) and persisted, so an apply that fails or is killed
 *   half-way keeps exactly what it did. Then the kind's readiness wait runs.
 * - The first failure stops every host from starting another step.
 * - Commands run through one long-lived shell per host where the transport
 *   allows (`shell-session.ts`): the same commands, in the same order, judged
 *   one at a time, without a channel and a shell start for each. A host's
 *   next steps are sent to its shell ahead of their turn (`pipeline.ts`);
 *   steps it ran are recorded even when the apply failed meanwhile.
 * - Consecutive steps of one host whose operations name the same
 *   `VectorWriter` (a kind's many-at-once write) are done by one write, then
 *   finished one by one in plan order: on the write's word where it vouches
 *   for a step, else by the step's own commands (`vector-write.ts`). The
 *   steps it vouched for are recorded by one `persistMany`.
 * - A step that reads a value known only after apply (`after-apply.ts`) is
 *   built again once its producers finished, from what they recorded; until
 *   then it is never grouped into a vector write.
 *
 * The plan must be the unredacted one: operations need the plaintext. Events
 * carry addresses, hosts and timings, never attribute values.
 */
export async function applyPlan(plan: Plan, options: ApplyPlanOptions): Promise<ApplyOutcome> {
  const steps = plan.steps.filter((step) => step.action !== 'noop');
  const prepared = new Set<string>();
  const work = await Promise.all(
    steps.map(async (step) => {
      const built = withAwaiting(await buildWork(step, options.registry, options.redaction));
      // The host is known once an operation is built: its connection is set
      // up while the remaining steps are still being built.
      const host = built.operation?.host;
      if (host !== undefined && !prepared.has(host)) {
        prepared.add(host);
        options.transport.prepare?.(host);
      }
      return built;
    }),
  );
  // Steps of this apply not finished yet: a value one of them computes is not known yet.
  const unfinished = new Set(steps.map((step) => addrKey(step.addr)));
  upgradeMarkers(options.state, options.redaction);
  const once = new OnceMemo();
  const owedBy = owedReruns(work);
  const shells =
    options.transport.streaming === true && options.shellSessions !== false
      ? new ShellSessions(options.transport, options.signal, (text) => holdsSecret(text, options.redaction))
      : undefined;
  const completed: PlannedResource[] = [];
  let failure: ApplyOutcome['failure'];
  // Writes are queued so they land in the order the steps finished. A failed
  // write fails its step, but not the writes queued after it.
  let persisting = Promise.resolve();
  const queued = (write: () => Promise<void>) => {
    const queuedWrite = persisting.then(write);
    persisting = queuedWrite.catch(() => undefined);
    return queuedWrite;
  };
  const persist = (key: string) => queued(() => options.persist(options.state, key));
  const persistMany = (keys: readonly string[]) =>
    queued(async () => {
      if (options.persistMany !== undefined) return options.persistMany(options.state, keys);
      for (const key of keys) await options.persist(options.state, key);
    });

  const run = { once, shells };
  /** Tells how a step ended, once state holds what it did: done, or the apply's failure. */
  const report = (item: Work, started: number, error?: unknown) => {
    const { step } = item;
    const host = item.operation?.host;
    if (error === undefined) {
      unfinished.delete(addrKey(step.addr));
      completed.push(step);
      options.emit({ type: 'step_done', step, host, elapsedMs: performance.now() - started });
    } else {
      failure ??= { step, error };
      options.emit({ type: 'step_failed', step, host, error });
    }
  };
  /** Records a finished step's debts and events; false when it failed (the apply then stops). */
  const finish = async (item: Work, started: number, vouched?: readonly ExecResult[]) => {
    const { step } = item;
    try {
      await runWork(item, options, run, persist, vouched);
      if (step.action !== 'delete') await recordOwed(addrKey(step.addr), owedBy, options.state, persist);
    } catch (error) {
      report(item, started, error ?? new Error(`${addrKey(step.addr)} failed`));
      return false;
    }
    report(item, started);
    return true;
  };

  /**
   * Builds again, with the values substituted, every step from `start` on
   * whose known-after-apply producers have all finished — before the next
   * group is formed, so a settled step may be written with others.
   */
  const settleLane = async (lane: Work[], start: number) => {
    for (let i = start; i < lane.length; i++) {
      const item = lane[i]!;
      if (item.awaiting === undefined || item.awaiting.some((target) => unfinished.has(target))) continue;
      lane[i] = await settleKnown(item, options);
    }
  };

  const runLane = async (lane: Work[]) => {
    const pipeline = pipelineOf(lane);
    try {
      const stopped = await runSteps(lane, pipeline);
      // Steps the host's shell already ran are recorded, whatever stopped the lane.
      if (pipeline !== undefined && !options.signal.aborted) await drain(lane, pipeline, stopped);
    } finally {
      // A host appears in one lane only (`lanes`): its shell is done with.
      await shells?.closeHosts(lanesHosts(lane));
    }
  };

  /** A lane on one host, with a session, sends steps ahead (`pipeline.ts`). */
  const pipelineOf = (lane: Work[]): LanePipeline<Work> | undefined => {
    const host = lane[0]?.operation?.host;
    if (shells === undefined || host === undefined) return undefined;
    if (!lane.every((item) => item.operation?.host === host)) return undefined;
    return new LanePipeline(lane, host, shells, (at) => vectorGroup(lane, at, edgesOf).length > 1);
  };

  /** Finishes, in plan order, the steps from `from` that were sent ahead and ran. */
  const drain = async (lane: Work[], pipeline: LanePipeline<Work>, from: number) => {
    for (let at = from; at < pipeline.sent; at++) {
      if (!(await pipeline.ran())) return;
      const item = lane[at]!;
      options.emit({ type: 'step_start', step: item.step, host: item.operation?.host });
      await finish(item, performance.now());
    }
  };

  /** Runs a lane's steps in plan order; resolves with the first position not finished. */
  const runSteps = async (lane: Work[], pipeline: LanePipeline<Work> | undefined): Promise<number> => {
    const awaits = lane.some((item) => item.awaiting !== undefined);
    for (let next = 0; next < lane.length; ) {
      if (failure !== undefined || options.signal.aborted) return next;
      if (awaits) await settleLane(lane, next);
      const group = vectorGroup(lane, next, edgesOf);
      if (group.length === 1) await pipeline?.fill(next);
      next += group.length;
      const started = performance.now();
      if (group.length === 1) {
        const item = group[0]!;
        options.emit({ type: 'step_start', step: item.step, host: item.operation?.host });
        if (!(await finish(item, started))) return next;
        continue;
      }
      // One write for the group; each step then finishes in plan order, on
      // the write's word where it vouches for the step, else by its own
      // commands. A step the write already did is recorded even after an
      // earlier one failed: it happened on the host, so state must say so.
      const vouched = await writeVector(group, {
        transport: options.transport,
        signal: options.signal,
        shells,
      });
      const done = vouched.filter((result) => result?.exitCode === 0).length;
      options.emit({
        type: 'log',
        level: 'trace',
        line: `[apply] ${group[0]!.operation!.host}: ${group.length} steps in one write, ${done} done by it`,
      });
      let written: { readonly item: Work; readonly result: ExecResult }[] = [];
      for (const [i, item] of group.entries()) {
        const result = vouched[i];
        if (result?.exitCode === 0) {
          written.push({ item, result });
          continue;
        }
        // Plan order: the steps the write did before this one are finished first.
        await finishWritten(written, started);
        written = [];
        if (failure !== undefined || options.signal.aborted) continue;
        options.emit({ type: 'step_start', step: item.step, host: item.operation?.host });
        await finish(item, started);
      }
      await finishWritten(written, started);
    }
    return lane.length;
  };

  /**
   * Finishes steps a vector write did on the host, with one state write for
   * all of them: each step's entry is updated in plan order, one
   * `persistMany` makes them durable together, and only then are their events
   * told — no step is called done before state holds it. They are finished
   * even after an earlier step failed: they happened, so state must say so.
   * A failed state write fails each of them.
   */
  const finishWritten = async (
    written: readonly { readonly item: Work; readonly result: ExecResult }[],
    started: number,
  ) => {
    if (written.length === 0) return;
    const keys = new Set<string>();
    const collect = async (key: string) => {
      keys.add(key);
    };
    const finished = [];
    for (const { item, result } of written) {
      const { step } = item;
      const events: EngineEvent[] = [{ type: 'step_start', step, host: item.operation?.host }];
      const held = { ...options, emit: (event: EngineEvent) => events.push(event) };
      let error: unknown;
      try {
        await runWork(item, held, run, collect, [result]);
        if (step.action !== 'delete') await recordOwed(addrKey(step.addr), owedBy, options.state, collect);
      } catch (caught) {
        error = caught ?? new Error(`${addrKey(step.addr)} failed`);
      }
      finished.push({ item, events, error });
    }
    let writeError: unknown;
    try {
      if (keys.size > 0) await persistMany([...keys]);
    } catch (caught) {
      writeError = caught;
    }
    for (const { item, events, error } of finished) {
      for (const event of events) options.emit(event);
      report(item, started, error ?? writeError);
    }
  };

  try {
    await eachLimited(lanes(work), options.parallelism ?? DEFAULT_PARALLELISM, runLane);
  } finally {
    await shells?.close();
  }
  await persisting;
  if (failure === undefined && completed.length < steps.length) {
    // Interrupted between steps: the first step that never ran is where the apply stopped.
    const stopped = steps.find((step) => !completed.includes(step))!;
    failure = { step: stopped, error: options.signal.reason ?? new Error('the apply was interrupted') };
  }
  return { completed, total: steps.length, failure };
}

async function buildWork(
  step: PlannedResource,
  registry: Registry,
  redaction: RedactionMap | undefined,
): Promise<Work> {
  const { kind, name } = step.addr;
  let handler: KindHandler<unknown> | undefined;
  try {
    handler = registry.forKind(kind).handler;
    if (step.action === 'delete') {
      return {
        step,
        handler,
        attrs: undefined,
        operation: withoutMarkers(
          await handler.delete({ kind, name, prior: revealPrior(step.prior, redaction) }),
          addrKey(step.addr),
        ),
      };
    }
    const raw = step.desired as JsonObject;
    const attrs = parseAttrs(handler, raw, step.addr);
    if (step.trigger !== undefined && step.action === 'update' && step.changes.length === 0) {
      const rerun = await handler.trigger?.operation({ kind, name, attrs, raw, alongside: 'none' });
      if (rerun === undefined) throw new MissingRerun(addrKey(step.addr));
      return { step, handler, attrs, operation: withoutMarkers(rerun, addrKey(step.addr)), rerunOnly: true };
    }
    const operation =
      step.action === 'create'
        ? await handler.create({ kind, name, attrs, raw })
        : await handler.update({ kind, name, attrs, raw, prior: step.prior });
    const rerun =
      step.trigger === undefined
        ? undefined
        : await handler.trigger?.operation({ kind, name, attrs, raw, alongside: 'update' });
    return {
      step,
      handler,
      attrs,
      operation: withoutMarkers(operation, addrKey(step.addr)),
      rerun: rerun === undefined ? undefined : withoutMarkers(rerun, addrKey(step.addr)),
    };
  } catch (buildError) {
    return { step, handler, attrs: undefined, operation: undefined, buildError };
  }
}

async function runWork(
  item: Work,
  options: ApplyPlanOptions,
  run: { readonly once: OnceMemo; readonly shells: ShellSessions | undefined },
  persist: (key: string) => Promise<void>,
  vouched?: readonly ExecResult[],
): Promise<void> {
  if (item.operation === undefined) throw item.buildError;
  const { step, operation } = item;
  const key = addrKey(step.addr);
  const outcome = await runOne(operation, key, options, run, vouched);
  if (step.action === 'delete') {
    delete options.state.resources[key];
    await persist(key);
    return;
  }
  const raw = item.raw ?? (step.desired as JsonObject);
  let recorded: JsonObject;
  if (item.rerunOnly) {
    const prior = options.state.resources[key]?.attrs;
    recorded = isJsonObject(prior) ? prior : (item.attrs as JsonObject);
  } else {
    recorded = outcome.recorded ?? (item.attrs as JsonObject);
    const owed = options.state.resources[key]?.pending_trigger;
    options.state.resources[key] = {
      addr: { kind: step.addr.kind, name: step.addr.name },
      provider: step.provider,
      attrs: options.redaction
        ? // Plaintext only: each inline marker in state must stand for exactly the value (see RedactOptions).
          redactInto(withDependsOn(recorded, raw), options.redaction, { forms: false })
        : withDependsOn(recorded, raw),
      ...(step.reads === undefined || step.reads.length === 0 ? {} : { reads: [...step.reads] }),
      // Still owed until the re-run below has run.
      ...(item.rerun !== undefined && owed !== undefined ? { pending_trigger: owed } : {}),
    };
    await persist(key);
  }
  if (item.rerun !== undefined) await runOne(item.rerun, key, options, run);
  const entry = options.state.resources[key];
  if (entry?.pending_trigger !== undefined && (item.rerunOnly || item.rerun !== undefined)) {
    delete entry.pending_trigger;
    await persist(key);
  }
  const readiness = item.handler?.ready?.({
    kind: step.addr.kind,
    name: step.addr.name,
    attrs: item.attrs,
    recorded,
  });
  if (readiness !== undefined) {
    await awaitReady(readiness, {
      transport: options.transport,
      signal: options.signal,
      sleep: options.sleep,
    });
  }
}

/** Notes which producers a step's known-after-apply values wait for. */
function withAwaiting(item: Work): Work {
  const { step } = item;
  if (step.action === 'delete' || !holdsAfterApply(step.desired)) return item;
  return { ...item, awaiting: [...new Set(afterApplyRefs(step.desired).map((ref) => ref.target))] };
}

/**
 * A step whose producers have finished, built again from its desired attrs
 * with each known-after-apply marker replaced by what the producer's step
 * recorded in the working state (or, for a producer with nothing to do this
 * apply, what state already held). A value state does not hold fails the
 * step when its turn comes, naming the value.
 */
async function settleKnown(item: Work, options: ApplyPlanOptions): Promise<Work> {
  const { step } = item;
  const missing: string[] = [];
  const desired = substituteAfterApply(step.desired as JsonObject, (ref) => {
    const value = recordedOutput(options.state, ref.target, ref.attr);
    if (value === undefined) missing.push(`${ref.target}.${ref.attr}`);
    return value;
  });
  if (missing.length > 0) {
    return {
      ...item,
      awaiting: undefined,
      operation: undefined,
      buildError: new OutputUnknown(step, missing),
    };
  }
  const rebuilt = await buildWork({ ...step, desired }, options.registry, options.redaction);
  return { ...rebuilt, step, raw: desired };
}

/** A known-after-apply value whose producer recorded none (state from before the kind recorded it). */
class OutputUnknown extends StratumError<'OutputUnknown'> {
  static override readonly marker: string = '@stratum/core/OutputUnknown';

  constructor(step: PlannedResource, missing: readonly string[]) {
    super(
      'OutputUnknown',
      `${addrKey(step.addr)}: ${missing.map((m) => `\`${m}\``).join(', ')} ${missing.length === 1 ? 'has' : 'have'} no value: state records none`,
      {
        hint: 'run `stratum apply --refresh` so the producer is read from its host, or let it be created again',
      },
    );
  }
}

/**
 * Runs one operation of a step — or takes the results a vector write vouched
 * for in its place — and prints its warnings and trace lines.
 */
async function runOne(
  operation: Operation,
  key: string,
  options: ApplyPlanOptions,
  run: { readonly once: OnceMemo; readonly shells: ShellSessions | undefined },
  vouched?: readonly ExecResult[],
) {
  const outcome =
    vouched !== undefined
      ? { results: vouched, recorded: operation.record?.(vouched) }
      : await runOperation(operation, {
          transport: options.transport,
          signal: options.signal,
          addr: key,
          once: run.once,
          shells: run.shells,
          warn: (line) => options.emit({ type: 'log', level: 'warn', line }),
        });
  for (const line of operation.warnings ?? []) options.emit({ type: 'log', level: 'warn', line });
  for (const line of operation.trace ?? []) options.emit({ type: 'log', level: 'trace', line });
  return outcome;
}

/**
 * Makes triggers durable: once step `key` finished, every later step it
 * triggers records in state that it owes a re-run, before that step's turn —
 * so an apply that dies in between leaves the debt for the next one to pay.
 */
function owedReruns(work: readonly Work[]): ReadonlyMap<string, readonly string[]> {
  const owedBy = new Map<string, string[]>();
  for (const { step } of work) {
    for (const target of step.trigger?.by ?? []) {
      const list = owedBy.get(target);
      if (list) list.push(addrKey(step.addr));
      else owedBy.set(target, [addrKey(step.addr)]);
    }
  }
  return owedBy;
}

async function recordOwed(
  key: string,
  owedBy: ReadonlyMap<string, readonly string[]>,
  state: State,
  persist: (key: string) => Promise<void>,
): Promise<void> {
  for (const dependent of owedBy.get(key) ?? []) {
    const entry = state.resources[dependent];
    // No entry: the dependent is being created, which does the work anyway.
    if (entry === undefined) continue;
    const owed = entry.pending_trigger ?? [];
    if (owed.includes(key)) continue;
    entry.pending_trigger = [...owed, key];
    await persist(dependent);
  }
}

/** Whether `text` holds the plaintext of a secret this run knows (scrubbing would change it). */
function holdsSecret(text: string, redaction: RedactionMap | undefined): boolean {
  return redaction !== undefined && redaction.size > 0 && scrubText(text, redaction) !== text;
}

/**
 * Rewrites every marker in the working state whose secret the config still
 * declares with that value into the form this run writes, so the first save
 * replaces the spec's unsalted `sha256:` markers with salted ones.
 */
function upgradeMarkers(state: State, redaction: RedactionMap | undefined): void {
  if (redaction === undefined || redaction.size === 0) return;
  for (const entry of Object.values(state.resources)) {
    entry.attrs = redactInto(entry.attrs, redaction, { forms: false });
  }
}

/** The operation, once {@link refuseMarkers} found no secret marker standing in for a value in it. */
function withoutMarkers(operation: Operation, addr: string): Operation {
  refuseMarkers(operation, addr);
  return operation;
}

/** Delete ordering needs the edges in state even for kinds that do not record them. */
function withDependsOn(recorded: JsonObject, desired: JsonObject): JsonObject {
  const edges = desired.depends_on;
  if (edges === undefined || 'depends_on' in recorded) return recorded;
  return { ...recorded, depends_on: edges };
}

/** The hosts a lane's steps run on. */
function lanesHosts(lane: readonly Work[]): Set<string> {
  const hosts = new Set<string>();
  for (const item of lane) if (item.operation?.host !== undefined) hosts.add(item.operation.host);
  return hosts;
}

/**
 * Groups work into per-host lanes, or one lane when something crosses hosts:
 * a `depends_on` edge between hosts, or an operation with a command on another
 * host (cleaning up where a resource used to be), or a step whose operation
 * could not be built (its host is unknown) — in each case running hosts side
 * by side could break one host's plan order.
 */
function lanes(work: readonly Work[]): Work[][] {
  const hostByKey = new Map(work.map((w) => [addrKey(w.step.addr), w.operation?.host]));
  const crossesHosts = work.some(
    (w) =>
      // A step whose operation could not be built has no host: keeping plan
      // order is the only way it fails at its turn, after the steps before it.
      w.operation === undefined ||
      edgesOf(w.step).some(
        (target) => hostByKey.has(target) && hostByKey.get(target) !== w.operation?.host,
      ) ||
      (w.operation?.commands.some((c) => c.host !== undefined && c.host !== w.operation?.host) ?? false),
  );
  if (crossesHosts) return [[...work]];
  const byHost = new Map<string | undefined, Work[]>();
  for (const w of work) {
    const lane = byHost.get(w.operation?.host);
    if (lane) lane.push(w);
    else byHost.set(w.operation?.host, [w]);
  }
  return [...byHost.values()];
}

function edgesOf(step: PlannedResource): string[] {
  if (step.action === 'delete') {
    return [...(isJsonObject(step.prior) ? dependsOn(step.prior) : []), ...(step.reads ?? [])];
  }
  const reads = [...(step.reads ?? [])];
  return isJsonObject(step.desired)
    ? [...dependsOn(step.desired), ...triggeredBy(step.desired), ...reads]
    : reads;
}

/** A kind's trigger that gave no operation for a step whose only work is the re-run: a provider bug. */
class MissingRerun extends StratumError<'MissingRerun'> {
  static override readonly marker: string = '@stratum/core/MissingRerun';

  constructor(addr: string) {
    super('MissingRerun', `${addr}: its kind's trigger returned no operation for a re-run`, {
      hint: "this is a bug in the kind's provider: `trigger.operation` must return work when `alongside` is `none`",
    });
  }
}
