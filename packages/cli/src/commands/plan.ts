import type { CommandModule } from 'yargs';
import { withConfigOptions, withStateOptions } from '../options';
import type { PlanCommandFlags } from '../run/plan';
import { type CommandRunner, runCommand } from './runner';

export function planCommand(run: CommandRunner): CommandModule<object, PlanCommandFlags> {
  return {
    command: 'plan',
    describe: 'Show what apply would change (read-only; contacts hosts only with --refresh)',
    builder: (y) =>
      withStateOptions(withConfigOptions(y))
        .option('refresh', { type: 'boolean', describe: 'Read live hosts and annotate drift against state' })
        .option('allow-unresolved-secrets', {
          type: 'boolean',
          describe: 'Use <unresolved-secret:NAME> placeholders for missing secret sources (plan only)',
        })
        .option('json', { type: 'boolean', describe: 'Print a versioned JSON document instead of text' })
        .option('out', {
          alias: 'o',
          type: 'string',
          describe: 'Also save the plan to this file (mode 0600), for `stratum apply PLANFILE`',
        })
        .option('detailed-exitcode', {
          type: 'boolean',
          describe: 'Exit 0 when there are no changes, 2 when there are changes, 1 on error',
        }) as never,
    handler: (args) =>
      runCommand(run, args, async (flags, io) => (await import('../run/plan')).runPlan(flags, io)),
  };
}
