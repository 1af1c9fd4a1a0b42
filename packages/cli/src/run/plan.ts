import { type Plan, redactPlan, refreshPlan, repairCount } from '@stratum/core';
import { type CliIo, styler } from '../io';
import { planDocument } from '../output/plan-json';
import { renderPlanLines } from '../output/plan-text';
import { type Loaded, loadConfig, loadStateFor, type PlanFlags, planFor } from '../pipeline';
import { openHostRuntime } from '../runtime';

export interface PlanCommandFlags extends PlanFlags {
  refresh?: boolean | undefined;
  json?: boolean | undefined;
  detailedExitcode?: boolean | undefined;
}

/** `stratum plan`: read-only; contacts hosts only with `--refresh`. */
export async function runPlan(flags: PlanCommandFlags, io: CliIo): Promise<number> {
  const loaded = await loadConfig(flags, io);
  const state = await loadStateFor(loaded.sources);
  let plan = await planFor(loaded, state);
  if (flags.refresh) plan = await refreshed(plan, loaded, io, flags);
  const shown = redactPlan(plan);
  if (flags.json) {
    io.out(JSON.stringify(planDocument(shown, loaded.sources), null, 2));
  } else {
    io.out('stratum plan');
    io.out('============');
    for (const line of renderPlanLines(shown, styler(io.isTTY))) io.out(line);
    const repairs = flags.refresh ? repairCount(shown) : 0;
    if (repairs > 0) {
      io.out(
        `run 'stratum apply --refresh' to repair ${repairs} drifted resource${repairs === 1 ? '' : 's'}`,
      );
    }
  }
  if (!flags.detailedExitcode) return 0;
  const s = shown.summary();
  return s.create + s.update + s.delete > 0 ? 2 : 0;
}

export async function refreshed(
  plan: Plan,
  loaded: Loaded,
  io: CliIo,
  flags: PlanCommandFlags,
): Promise<Plan> {
  const runtime = openHostRuntime(loaded.extracted, io, {
    verbose: flags.verbose,
    sshConfig: flags.sshConfig,
  });
  try {
    return await refreshPlan(plan, loaded.registry, runtime.ctx);
  } finally {
    await runtime.close();
  }
}
