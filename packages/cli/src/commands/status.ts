import type { CommandModule } from 'yargs';
import { withConfigOptions } from '../options';
import type { StatusFlags } from '../run/status';
import { type CommandRunner, runCommand } from './runner';

export function statusCommand(run: CommandRunner): CommandModule<object, StatusFlags> {
  return {
    command: 'status',
    describe: 'Per-host uptime, memory, disk and container stats (one round trip per host)',
    builder: (y) =>
      withConfigOptions(y).option('host', {
        type: 'string',
        describe: "Only this host (a host block's name or addr)",
      }) as never,
    handler: (args) =>
      runCommand(run, args, async (flags, io) => (await import('../run/status')).runStatus(flags, io)),
  };
}
