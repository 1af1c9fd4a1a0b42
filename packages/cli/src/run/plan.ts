import { type Plan, redactPlan, repairCount } from '@stratum/core';
import { type CliIo, styler } from '../io';
import { planDocument } from '../output/plan-json';
import { renderPlanLines, secretDigestsFrom } from '../output/plan-text';
import { engineFor, type Loaded, loadConfig, type PlanFlags } from '../pipeline';
import { offlineTransport, openHostRuntime } from '../runtime';
import { unreachableError } from './unreachable';

export interface PlanCommandFlags extends PlanFlags {
  refresh?: boolean | undefined;
  json?: boolean | undefined;
  detailedExitcode?: boolean | undefined;
}

/**
 * `stratum plan`: read-only; contacts hosts only with `--refresh`. A refresh
 * that could not read a host is an error once the plan is printed.
 * `--detailed-exitcode`: 2 when the plan has changes or its refresh found drift.
 */
export async function runPlan(flags: PlanCommandFlags, io: CliIo): Promise<number> {
  const loaded = await loadConfig(flags, io);
  const plan = await planned(loaded, io, flags, { refresh: flags.refresh });
  const shown = redactPlan(plan);
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
 * `refresh` or `repair` the hosts are read through a runtime opened for it.
 */
export async function planned(
  loaded: Loaded,
  io: CliIo,
  flags: PlanFlags,
  options: { refresh?: boolean | undefined; repair?: boolean | undefined },
): Promise<Plan> {
  if (!options.refresh && !options.repair) {
    return engineFor(loaded, io, { transport: offlineTransport }).plan(loaded.desired);
  }
  const runtime = openHostRuntime(loaded.extracted, io, {
    verbose: flags.verbose,
    sshConfig: flags.sshConfig,
  });
  try {
    const engine = engineFor(loaded, io, {
      transport: runtime.transport,
      signal: runtime.signal,
      verbose: flags.verbose,
      parallelism: flags.parallelism,
    });
    return await engine.plan(loaded.desired, options);
  } finally {
    await runtime.close();
  }
}
