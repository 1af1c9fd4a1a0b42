import { relative } from 'node:path';
import { buildPlan, emptyState, isImplicitName } from '@stratum/core';
import type { CliIo } from '../io';
import { loadConfig, type PlanFlags } from '../pipeline';

/**
 * `stratum validate`: everything that can be checked without state or hosts —
 * syntax, evaluation, every resource's attributes against its kind's schema,
 * and the planner's validators (the kinds' claims, `depends_on`).
 */
export async function runValidate(flags: PlanFlags, io: CliIo): Promise<number> {
  const loaded = await loadConfig(flags, io);
  const plan = buildPlan(loaded.desired, emptyState(), {
    redaction: loaded.extracted.redaction,
    registry: loaded.registry,
  });
  for (const warning of plan.warnings) io.err(`warning: ${warning}`);
  const files = loaded.sources.configs.map((c) => relative(io.cwd, c) || c);
  const user = loaded.desired.filter((r) => !isImplicitName(r.addr.name)).length;
  io.out(
    `valid: ${user} resource${user === 1 ? '' : 's'}, ${loaded.extracted.hosts.length} host${loaded.extracted.hosts.length === 1 ? '' : 's'} in ${files.join(', ')}`,
  );
  return 0;
}
