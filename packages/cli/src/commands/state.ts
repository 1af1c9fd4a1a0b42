import type { CommandModule } from 'yargs';
import { withPathOption } from '../options';
import { type CommandRunner, runCommand } from './runner';

/** The subcommands of `stratum state`, for the did-you-mean of a mistyped one. */
export const STATE_SUBCOMMANDS = ['list', 'show', 'merge'] as const;

export function stateCommand(run: CommandRunner): CommandModule {
  return {
    command: 'state',
    describe: 'Inspect and merge state files',
    builder: (y) =>
      y
        .command({
          command: 'list',
          describe: 'List the resources a state file tracks',
          builder: (s) => withPathOption(s),
          handler: (args) =>
            runCommand(run, args as { path?: string }, async (f, io) =>
              (await import('../run/state')).runStateList(f, io),
            ),
        })
        .command({
          command: 'show <addr>',
          describe: "Print one resource's recorded state as JSON",
          builder: (s) => withPathOption(s).positional('addr', { type: 'string', describe: '<kind>.<name>' }),
          handler: (args) =>
            runCommand(run, args as unknown as { path?: string; addr: string }, async (f, io) =>
              (await import('../run/state')).runStateShow(f, io),
            ),
        })
        .command({
          command: 'merge <inputs..>',
          describe: 'Merge two or more state files into a new one',
          builder: (s) =>
            s
              .positional('inputs', { type: 'string', array: true, describe: 'Input state files' })
              .option('out', {
                alias: 'o',
                type: 'string',
                demandOption: true,
                describe: 'Output path (must not exist)',
              }),
          handler: (args) =>
            runCommand(run, args as unknown as { out: string; inputs: string[] }, async (f, io) =>
              (await import('../run/state')).runStateMerge(f, io),
            ),
        })
        .demandCommand(1, 'name a state subcommand: list, show or merge'),
    handler: () => {},
  };
}
