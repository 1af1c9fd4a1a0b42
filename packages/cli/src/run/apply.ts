import { relative } from 'node:path';
import {
  addrKey,
  checkGuards,
  checkSavedConfigs,
  DestroyRefusedError,
  type EngineApplyResult,
  type Plan,
  redactPlan,
  StratumError,
} from '@stratum/core';
import { loadConfigConnected } from '../connect-early';
import { CliError } from '../errors';
import { type CliIo, styler } from '../io';
import { applyJsonEmitter, type Emit, messageOf, stepEventJson, stepEventOf } from '../output/apply-json';
import { driftParts, renderPlanLines, secretDigestsFrom } from '../output/plan-text';
import { createProgress } from '../output/progress';
import { engineFor, type Loaded, loadConfig, logLines, type PlanFlags } from '../pipeline';
import { hostRuntimeOptions, planned } from './plan';
import { configDigests, readPlanFile } from './saved-plan-file';
import { unreachableError } from './unreachable';

export interface ApplyCommandFlags extends PlanFlags {
  yes?: boolean | undefined;
  /** Read every resource from its host first and repair what drifted (core's `planRepairs`). */
  refresh?: boolean | undefined;
  allowDestroy?: boolean | undefined;
  json?: boolean | undefined;
  /** `apply PLANFILE`: apply exactly the plan `plan -o` saved (implies -y). */
  planfile?: string | undefined;
}

/**
 * `stratum apply`: the plan, the guards (destruction, unresolved secrets), the
 * `-y` gate, then core's engine: the steps with state saved after each, and
 * the post-apply self-check. With `-y` the engine holds the state lock from
 * before it reads state until it is done, so two applies never interleave.
 * This module only renders.
 */
export async function runApply(flags: ApplyCommandFlags, io: CliIo): Promise<number> {
  if (flags.planfile !== undefined && flags.refresh) {
    throw new CliError(
      'BadArguments',
      'apply PLANFILE applies the saved plan as it is: --refresh does not go with it',
      {
        hint: 'make the plan with the refresh instead: stratum plan --refresh -o PLANFILE',
      },
    );
  }
  const saved = flags.planfile === undefined ? undefined : await readPlanFile(flags.planfile, io);
  // Trace lines of the transport go to stderr, through the progress once there is one.
  let log = (line: string) => io.err(line);
  const reachesHosts = flags.yes === true || saved !== undefined || flags.refresh === true;
  const { loaded, runtime } = reachesHosts
    ? await loadConfigConnected(flags, io, hostRuntimeOptions(flags), { ...io, err: (line) => log(line) })
    : { loaded: await loadConfig(flags, io), runtime: undefined };
  let configs: Awaited<ReturnType<typeof configDigests>>;
  try {
    configs = await configDigests(loaded.sources);
    if (saved) checkSavedConfigs(saved, configs);
  } catch (error) {
    await runtime?.close();
    throw error;
  }
  const emit = flags.json ? applyJsonEmitter(io, loaded.extracted.redaction) : undefined;
  const showPlan = (plan: Plan) => {
    const shown = redactPlan(plan);
    if (emit) emit({ type: 'plan', summary: shown.summary(), steps: shown.steps.map(stepEventOf) });
    else
      for (const line of renderPlanLines(shown, styler(io.color.out), secretDigestsFrom(loaded.registry)))
        io.out(line);
    guard(plan, loaded, flags, io);
    // A repair planned without reading some host would pass it over as if it were in order.
    const unreachable = unreachableError(shown, {
      details: flags.yes ? [`Nothing was applied; ${shownStatePath(loaded, io)} is unchanged.`] : [],
    });
    if (unreachable) throw unreachable;
  };

  // Saving the plan for review and naming it here is the approval: no -y needed.
  if (!flags.yes && saved === undefined) {
    showPlan(await planned(loaded, io, flags, { repair: flags.refresh }, runtime));
    io.out('Apply? Re-run with -y to execute against remote hosts.');
    return 0;
  }

  const progress = createProgress(io, { live: io.liveProgress && !emit });
  log = (line) => progress.log(line);
  // Opened while the config loaded: -y or a saved plan reaches the hosts.
  const hostRuntime = runtime!;
  const printLog = logLines(io, flags.verbose, (line) => progress.log(line));
  let result: EngineApplyResult;
  try {
    const engine = engineFor(loaded, io, {
      transport: hostRuntime.transport,
      signal: hostRuntime.signal,
      parallelism: flags.parallelism,
      onEvent: (event) => {
        if (event.type === 'log') return printLog(event);
        if (emit) emit(stepEventJson(event));
        else if (event.type === 'step_start') progress.start(event.step, event.host);
        else if (event.type === 'step_done') progress.done(event.step, event.elapsedMs);
        else progress.failed(event.step);
      },
    });
    result = await engine.apply(loaded.desired, {
      repair: flags.refresh,
      allowDestroy: flags.allowDestroy,
      savedPlan: saved,
      // The history's record of the run; the engine scrubs secrets from it.
      run: { args: process.argv.slice(2), configs },
      onPlan: (plan) => {
        showPlan(plan);
        if (hasWork(plan) && !emit) io.out('!! Applying: side effects WILL execute on remote hosts.');
      },
    });
  } finally {
    progress.stop();
    await hostRuntime.close();
  }
  return report(result, loaded, emit, io);
}

/** What the engine did, as the operator reads it; a failed step is an error. */
function report(result: EngineApplyResult, loaded: Loaded, emit: Emit | undefined, io: CliIo): number {
  const { outcome } = result;
  const statePath = shownStatePath(loaded, io);
  if (outcome === undefined) {
    if (emit) emit({ type: 'done', result: 'nothing-to-do' });
    else io.out('Nothing to do.');
    return 0;
  }
  if (emit)
    emit({ type: 'state_saved', path: loaded.sources.statePath, completed: outcome.completed.length });
  if (outcome.failure) {
    const done = outcome.completed.length;
    const failedAt = addrKey(outcome.failure.step.addr);
    // Provider errors already start with the address; say it once.
    const cause = messageOf(outcome.failure.error).replace(new RegExp(`^${escapeRegExp(failedAt)}: `), '');
    throw new CliError('ApplyFailed', `apply failed at ${failedAt}: ${cause}`, {
      // State is written after each completed step only: with none, nothing was written.
      details: [
        done === 0
          ? `No step was applied; ${statePath} is unchanged.`
          : `State saved to ${statePath} (${done} of ${outcome.total} steps applied).`,
      ],
      hint:
        (StratumError.isInstance(outcome.failure.error) ? outcome.failure.error.hint : undefined) ??
        'fix the cause and re-run apply; completed steps are in state and will not be redone',
      cause: outcome.failure.error,
    });
  }
  if (!emit) io.out(`State saved to ${statePath}`);
  if (result.check !== undefined) {
    if (emit) emit({ type: 'post_apply', summary: result.check.summary() });
    else io.out(postApplyLine(result.check));
    const unreachable = unreachableError(redactPlan(result.check), {
      selfCheck: true,
      details: [`The apply itself completed: state saved to ${statePath}.`],
    });
    if (unreachable) throw unreachable;
  }
  return 0;
}

function shownStatePath(loaded: Loaded, io: CliIo): string {
  return relative(io.cwd, loaded.sources.statePath) || loaded.sources.statePath;
}

/**
 * The engine's guards, with what only the CLI knows added to a destruction
 * refusal: which configs were loaded and which state file was read — the
 * usual cause is a forgotten `-c` or the wrong `-s`.
 */
function guard(plan: Plan, loaded: Loaded, flags: ApplyCommandFlags, io: CliIo): void {
  try {
    checkGuards(plan, { allowDestroy: flags.allowDestroy });
  } catch (error) {
    if (StratumError.hasCode(error, 'UnresolvedSecret')) {
      throw new CliError('UnresolvedSecret', error.message, { hint: error.hint });
    }
    if (!DestroyRefusedError.isInstance(error)) throw error;
    throw new CliError('DestroyRefused', error.message, {
      details: [
        ...error.details,
        `loaded configs: ${loaded.sources.configs.map((c) => relative(io.cwd, c) || c).join(', ')}`,
        `state file: ${shownStatePath(loaded, io)}`,
      ],
      hint: error.hint,
    });
  }
}

function hasWork(plan: Plan): boolean {
  const summary = plan.summary();
  return summary.create + summary.update + summary.delete > 0;
}

function postApplyLine(plan: Plan): string {
  const parts = driftParts(plan.summary());
  return parts.length === 0
    ? 'post-apply drift: clean'
    : `post-apply drift: ${parts.join(', ')} — run 'stratum plan --refresh' to see details`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
