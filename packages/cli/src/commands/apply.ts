import type { CommandModule } from 'yargs';
import { withConfigOptions, withStateOptions } from '../options';
import type { ApplyCommandFlags } from '../run/apply';
import { type CommandRunner, runCommand } from './runner';

export function applyCommand(run: CommandRunner): CommandModule<object, ApplyCommandFlags> {
  return {
    command: 'apply',
    describe: 'Print the plan and, with -y, make the hosts match it',
    builder: (y) =>
      withStateOptions(withConfigOptions(y))
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
