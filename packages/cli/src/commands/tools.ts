import type { CommandModule } from 'yargs';
import { withConfigOptions, withJsonOption } from '../options';
import type { PlanFlags } from '../pipeline';
import { type CommandRunner, runCommand } from './runner';

export function validateCommand(run: CommandRunner): CommandModule<object, PlanFlags & { json?: boolean }> {
  return {
    command: 'validate',
    describe: 'Check configs without state or hosts: syntax, references, attributes, dependencies',
    builder: (y) => withJsonOption(withConfigOptions(y)) as never,
    handler: (args) =>
      runCommand(run, args, async (flags, io) => (await import('../run/validate')).runValidate(flags, io)),
  };
}

export function fmtCommand(run: CommandRunner): CommandModule<object, { files?: string[]; check?: boolean }> {
  return {
    command: 'fmt [files..]',
    describe: 'Rewrite .strat files in the canonical layout (default: all below the working directory)',
    builder: (y) =>
      y.positional('files', { type: 'string', array: true }).option('check', {
        type: 'boolean',
        describe: 'Change nothing; fail if a file is not formatted',
      }) as never,
    handler: (args) =>
      runCommand(run, args, async (flags, io) => (await import('../run/fmt')).runFmt(flags, io)),
  };
}

export function graphCommand(run: CommandRunner): CommandModule<object, PlanFlags & { json?: boolean }> {
  return {
    command: 'graph',
    describe: 'Print the resources and their depends_on edges as Graphviz DOT',
    builder: (y) => withJsonOption(withConfigOptions(y)) as never,
    handler: (args) =>
      runCommand(run, args, async (flags, io) => (await import('../run/graph')).runGraph(flags, io)),
  };
}
