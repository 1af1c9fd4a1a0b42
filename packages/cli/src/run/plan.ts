import {
  type Engine,
  type EnginePlanOptions,
  findUnresolvedPlaceholder,
  type Plan,
  redactPlan,
  repairCount,
  type State,
  savePlan,
} from '@stratum/core';
import { loadConfigConnected } from '../connect-early';
import { CliError } from '../errors';
import { type CliIo, styler } from '../io';
import { planDocument } from '../output/plan-json';
import { renderPlanLines, secretDigestsFrom } from '../output/plan-text';
import { engineFor, type Loaded, loadConfig, type PlanFlags } from '../pipeline';
import { type HostRuntime, type HostRuntimeOptions, offlineTransport, openHostRuntime } from '../runtime';
import { configDigests, writePlanFile } from './saved-plan-file';
import { unreachableError } from './unreachable';

export interface PlanCommandFlags extends PlanFlags {
  refresh?: boolean | undefined;
  json?: boolean | undefined;
  detailedExitcode?: boolean | undefined;
  /** `-o PLANFILE`: also save the plan, to be applied exactly by `stratum apply PLANFILE`. */
  out?: string | undefined;
}

/**
 * `stratum plan`: read-only; contacts hosts only with `--refresh`. A refresh
 * that could not read a host is an error once the plan is printed.
 * `--detailed-exitcode`: 2 when the plan has changes or its refresh found drift.
 */
export async function runPlan(flags: PlanCommandFlags, io: CliIo): Promise<number> {
  const { loaded, runtime } = flags.refresh
    ? await loadConfigConnected(flags, io, hostRuntimeOptions(flags))
    : { loaded: await loadConfig(flags, io), runtime: undefined };
  let prior: State | undefined;
  const plan = await planned(
    loaded,
    io,
    flags,
    {
      refresh: flags.refresh,
      onState: (state) => {
        prior = state;
      },
    },
    runtime,
  );
  const shown = redactPlan(plan);
  if (flags.out !== undefined) await savePlanFile(flags.out, plan, prior!, loaded, io);
  if (flags.json) {
    io.out(JSON.stringify(planDocument(shown, loaded.sources), null, 2));
  } else {
    io.out('stratum plan');
    io.out('============');
    for (const line of renderPlanLines(shown, styler(io.color.out), secretDigestsFrom(loaded.registry)))
      io.out(line);
    const repairs = flags.refresh ? repairCount(shown) : 0;
    if (repairs > 0) {
      io.out(
        `run 'stratum apply --refresh' to repair ${repairs} drifted resource${repairs === 1 ? '' : 's'}`,
      );
    }
  }
  const unreachable = unreachableError(shown);
  if (unreachable) throw unreachable;
  if (!flags.detailedExitcode) return 0;
  const s = shown.summary();
  const changes = s.create + s.update + s.delete > 0;
  // Drift is something to act on (apply --refresh) even when the plan itself has no step.
  const drift = s.drifted + s.missing > 0;
  return changes || drift ? 2 : 0;
}

/**
 * The plan of a loaded config against its state, read without the lock; with
 * `refresh` or `repair` the hosts are read through `runtime` (opened while the
 * config loaded, see connect-early.ts), else through one opened for it. The
 * runtime is closed after.
 */
export async function planned(
  loaded: Loaded,
  io: CliIo,
  flags: PlanFlags,
  options: EnginePlanOptions,
  runtime?: HostRuntime,
): Promise<Plan> {
  if (!options.refresh && !options.repair) {
    await runtime?.close();
    return engineFor(loaded, io, { transport: offlineTransport }).plan(loaded.desired, options);
  }
  return withHostEngine(loaded, io, flags, (engine) => engine.plan(loaded.desired, options), runtime);
}

/** The host runtime's options from a command's flags. */
export function hostRuntimeOptions(flags: PlanFlags): HostRuntimeOptions {
  return { verbose: flags.verbose, sshConfig: flags.sshConfig };
}

/**
 * Runs `work` with an engine that reaches the hosts through `runtime`, or
 * through one opened for it; the runtime is closed after.
 */
export async function withHostEngine<T>(
  loaded: Loaded,
  io: CliIo,
  flags: PlanFlags,
  work: (engine: Engine) => Promise<T>,
  runtime: HostRuntime = openHostRuntime(loaded.extracted, io, hostRuntimeOptions(flags)),
): Promise<T> {
  try {
    const engine = engineFor(loaded, io, {
      transport: runtime.transport,
      signal: runtime.signal,
      verbose: flags.verbose,
      parallelism: flags.parallelism,
    });
    return await work(engine);
  } finally {
    await runtime.close();
  }
}

/** `plan -o`: the plan with what it was made from, for `apply PLANFILE`. No secret plaintext is written. */
async function savePlanFile(
  path: string,
  plan: Plan,
  prior: State,
  loaded: Loaded,
  io: CliIo,
): Promise<void> {
  const placeholder = findUnresolvedPlaceholder(JSON.stringify(redactPlan(plan).steps));
  if (placeholder !== undefined) {
    throw new CliError(
      'UnresolvedSecret',
      `refusing to save a plan holding the unresolved-secret placeholder for \`${placeholder}\``,
      {
        hint: 'a placeholder plan is for review only; set the secret source and run plan -o again',
      },
    );
  }
  const saved = savePlan(plan, {
    state: prior,
    stateLocation: loaded.sources.statePath,
    configs: await configDigests(loaded.sources),
    mode: loaded.sources.mode,
    namespace: loaded.sources.namespace,
    redaction: loaded.extracted.redaction,
  });
  await writePlanFile(path, saved, io);
  io.err(`[plan] saved to ${path}; apply exactly this plan with: stratum apply ${path}`);
}
