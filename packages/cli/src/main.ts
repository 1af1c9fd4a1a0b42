import yargs from 'yargs';
import packageJson from '../package.json';
import { applyCommand } from './commands/apply';
import { planCommand } from './commands/plan';
import type { CommandRunner } from './commands/runner';
import { stateCommand } from './commands/state';
import { statusCommand } from './commands/status';
import { fmtCommand, graphCommand, validateCommand } from './commands/tools';
import { CliError } from './errors';
import { type CliIo, processIo, styler } from './io';
import { withGlobalOptions } from './options';
import { reportError } from './report-error';

export const EXIT_CODES = `Exit codes:
  0  success (plan --detailed-exitcode: no changes)
  1  an error (bad config, refused apply, failed step, unreachable host, ...)
  2  plan --detailed-exitcode only: the plan has changes`;

/**
 * yargs lists an unknown `--kebab-flag` twice (`kebab-flag, kebabFlag`, its
 * camel-case expansion); keep the spelling the user typed.
 */
export function tidyYargsMessage(message: string): string {
  const match = /^(Unknown arguments?): (.*)$/.exec(message);
  if (!match) return message;
  const names = match[2]!.split(', ');
  const kept = names.filter((name) => !(/[A-Z]/.test(name) && names.includes(kebab(name))));
  return `${kept.length === 1 ? 'Unknown argument' : 'Unknown arguments'}: ${kept.join(', ')}`;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Runs the stratum command line and resolves to the process exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const runner: CommandRunner = { io, exitCode: 0 };
  const verbose = argv.includes('--verbose');
  const parser = withGlobalOptions(yargs([...argv]))
    .scriptName('stratum')
    .usage('$0 <command> [options]\n\nDeclarative bootstrap for Linux hosts over SSH.')
    .command(planCommand(runner))
    .command(applyCommand(runner))
    .command(statusCommand(runner))
    .command(stateCommand(runner))
    .command(validateCommand(runner))
    .command(fmtCommand(runner))
    .command(graphCommand(runner))
    .completion('completion', 'Print a bash/zsh completion script')
    .demandCommand(1, 'name a command (see stratum --help)')
    .strict()
    .version(packageJson.version)
    .help()
    .alias('h', 'help')
    .epilog(EXIT_CODES)
    .wrap(Math.min(110, process.stdout.columns ?? 80))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new CliError('BadArguments', tidyYargsMessage(message), { hint: 'see stratum --help' });
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    return reportError(error, io, { verbose, redaction: io.redaction, style: styler(io.isTTY) });
  }
  return runner.exitCode;
}
