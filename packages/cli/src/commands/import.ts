import type { CommandModule } from 'yargs';
import { withConfigOptions, withStateOptions } from '../options';
import type { PlanFlags } from '../pipeline';
import { type CommandRunner, runCommand } from './runner';

export function importCommand(run: CommandRunner): CommandModule<object, PlanFlags & { addrs: string[] }> {
  return {
    command: 'import <addrs..>',
    describe:
      'Read resources the config declares from their hosts and record them in state, so the next plan shows only real differences',
    builder: (y) =>
      withStateOptions(withConfigOptions(y)).positional('addrs', {
        type: 'string',
        array: true,
        describe: '<kind>.<name> in the config, not yet in state',
      }) as never,
    handler: (args) =>
      runCommand(run, args, async (flags, io) => (await import('../run/import')).runImport(flags, io)),
  };
}
