import type { CommandModule } from 'yargs';
import { withConfigOptions, withStateOptions } from '../options';
import type { ApplyCommandFlags } from '../run/apply';
import { type CommandRunner, runCommand } from './runner';

export function applyCommand(run: CommandRunner): CommandModule<object, ApplyCommandFlags> {
  return {
    command: 'apply [planfile]',
    describe: 'Print the plan and, with -y, make the hosts match it (or apply a plan saved by plan -o)',
    builder: (y) =>
      withStateOptions(withConfigOptions(y))
        .positional('planfile', {
          type: 'string',
          describe:
            'A plan saved by `stratum plan -o`: applied exactly, or refused if state or configs changed',
        })
        .option('yes', {
          alias: 'y',
          type: 'boolean',
          describe: 'Execute against the hosts (without it: plan only)',
        })
        .option('refresh', {
          type: 'boolean',
          describe: 'Read every resource from its host first and repair what drifted',
        })
        .option('allow-destroy', {
          type: 'boolean',
          describe: 'Permit deleting resources that are in state but not in config',
        })
        .option('json', {
          type: 'boolean',
          describe: 'Print line-delimited JSON events instead of text',
        }) as never,
    handler: (args) =>
      runCommand(run, args, async (flags, io) => (await import('../run/apply')).runApply(flags, io)),
  };
}
