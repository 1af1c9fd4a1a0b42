import type { CommandModule } from 'yargs';
import { STATE_SUBCOMMANDS } from '../command-names';
import { withJsonOption, withPathOption, withStateOptions } from '../options';
import type { JsonFlag, SurgeryFlags } from '../run/surgery';
import { type CommandRunner, runCommand } from './runner';

/** `list, show, ... or history`: the list kept in one place, so a new subcommand cannot be left out. */
const SUBCOMMAND_LIST = `${STATE_SUBCOMMANDS.slice(0, -1).join(', ')} or ${STATE_SUBCOMMANDS.at(-1)}`;

export function stateCommand(run: CommandRunner): CommandModule {
  return {
    command: 'state',
    describe: 'Inspect and merge state files',
    builder: (y) =>
      y
        .command({
          command: 'list',
          describe: 'List the resources a state file tracks',
          builder: (s) => withJsonOption(withPathOption(s)),
          handler: (args) =>
            runCommand(run, args as { path?: string; json?: boolean }, async (f, io) =>
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
        .command({
          command: 'pull',
          describe:
            'Print the configured state (-s, STRATUM_STATE or the namespace) as a state file, or write it with -o',
          builder: (s) =>
            withStateOptions(s)
              .option('out', { alias: 'o', type: 'string', describe: 'Write to this file instead of stdout' })
              .option('force', { type: 'boolean', describe: 'Overwrite an existing -o file' }),
          handler: (args) =>
            runCommand(run, args as unknown as { out?: string }, async (f, io) =>
              (await import('../run/state-transfer')).runStatePull(f, io),
            ),
        })
        .command({
          command: 'push <target>',
          describe: 'Copy the configured state into another state file or postgres:// database',
          builder: (s) =>
            withStateOptions(s)
              .positional('target', { type: 'string', describe: 'A state file path or postgres://... URL' })
              .option('force', {
                type: 'boolean',
                describe: 'Replace a target that holds a different state',
              }),
          handler: (args) =>
            runCommand(run, args as unknown as { target: string }, async (f, io) =>
              (await import('../run/state-transfer')).runStatePush(f, io),
            ),
        })
        .command({
          command: 'unlock',
          describe: "Remove a lock file a dead run left beside the state (never a live run's)",
          builder: (s) =>
            withStateOptions(s).option('force', {
              type: 'boolean',
              describe: 'Also break a lock held from another machine (which cannot be checked from here)',
            }),
          handler: (args) =>
            runCommand(run, args as object, async (f, io) =>
              (await import('../run/state-unlock')).runStateUnlock(f, io),
            ),
        })
        .command({
          command: 'rm <addrs..>',
          describe: 'Forget resources (state only: the hosts are not touched)',
          builder: (s) =>
            withJsonOption(withStateOptions(s)).positional('addrs', {
              type: 'string',
              array: true,
              describe: '<kind>.<name>',
            }),
          handler: (args) =>
            runCommand(run, args as unknown as SurgeryFlags & JsonFlag & { addrs: string[] }, async (f, io) =>
              (await import('../run/surgery')).runStateRm(f, io),
            ),
        })
        .command({
          command: 'mv <from> <to>',
          describe: 'Rename a resource in state (same kind), so the next plan has no delete + create',
          builder: (s) =>
            withJsonOption(withStateOptions(s))
              .positional('from', { type: 'string', describe: '<kind>.<name> in state' })
              .positional('to', { type: 'string', describe: '<kind>.<name>, not in state' }),
          handler: (args) =>
            runCommand(
              run,
              args as unknown as SurgeryFlags & JsonFlag & { from: string; to: string },
              async (f, io) => (await import('../run/surgery')).runStateMv(f, io),
            ),
        })
        .command({
          command: 'history [run]',
          describe: 'List the runs recorded for the state, newest first, or show one run with its steps',
          builder: (s) =>
            withJsonOption(withStateOptions(s)).positional('run', {
              type: 'string',
              describe: 'A run id (or a unique prefix of it)',
            }),
          handler: (args) =>
            runCommand(run, args as unknown as SurgeryFlags & { run?: string }, async (f, io) =>
              (await import('../run/surgery')).runStateHistory(f, io),
            ),
        })
        .demandCommand(1, `name a state subcommand: ${SUBCOMMAND_LIST}`),
    handler: () => {},
  };
}
