import yargs, { type Argv } from 'yargs';
import packageJson from '../package.json';
import { COMMANDS, STATE_SUBCOMMANDS } from './command-names';
import { applyCommand } from './commands/apply';
import { importCommand } from './commands/import';
import { planCommand } from './commands/plan';
import type { CommandRunner } from './commands/runner';
import { stateCommand } from './commands/state';
import { statusCommand } from './commands/status';
import { fmtCommand, graphCommand, validateCommand } from './commands/tools';
import { CliError } from './errors';
import { type CliIo, processIo, STDOUT_CLOSED_EXIT, stdoutGone, styler } from './io';
import { checkFlagValues, flagNeedsValue, takesValue, withGlobalOptions } from './options';

// For start.ts, which runs this module as a bundle: the `import()` of an ES module (import-module.ts).
export { setImportModule } from './import-module';
export { useParseCache } from './parse-cache-home';

export const EXIT_CODES = `Exit codes:
  0    success (plan --detailed-exitcode: no changes and no drift)
  1    an error (bad config or flags, refused apply, failed step, unreachable host, ...)
  2    plan --detailed-exitcode only: the plan has changes, or its refresh found drift
  141  stdout was closed before stratum was done (e.g. piped into head); nothing is printed`;

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

/**
 * The word in command position that names no command, if any: the first
 * positional (`stratum paln`), or the one after `state` (`stratum state lsit`).
 */
export function unknownCommand(argv: readonly string[]): { parent: string; word: string } | undefined {
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const token = argv[i]!;
    if (token === '--') break;
    if (token.startsWith('-')) {
      if (takesValue(token)) i++;
      continue;
    }
    words.push(token);
  }
  const [first, second] = words;
  if (first === undefined) return undefined;
  if (!COMMANDS.includes(first)) return { parent: '', word: first };
  if (first === 'state' && second !== undefined && !(STATE_SUBCOMMANDS as readonly string[]).includes(second))
    return { parent: 'state ', word: second };
  return undefined;
}

/** What the user reads for a message of yargs: one line and a hint. */
export function usageError(message: string, argv: readonly string[]): CliError {
  const missing = /^Not enough arguments following: (.+)$/.exec(message);
  if (missing) return flagNeedsValue(missing[1]!);
  const unknown = unknownCommand(argv);
  const suggested = /^Did you mean (.+)\?$/.exec(message);
  const tidy = tidyYargsMessage(message);
  if (unknown && (suggested || tidy === `Unknown argument: ${unknown.word}`)) {
    const { parent, word } = unknown;
    const didYouMean = suggested ? ` (did you mean ${parent}${suggested[1]}?)` : '';
    return new CliError('BadArguments', `Unknown command: ${parent}${word}${didYouMean}`, {
      hint: `see stratum ${parent}--help`,
    });
  }
  return new CliError('BadArguments', tidy, { hint: 'see stratum --help' });
}

/** `--color` / `--no-color` (also `--color=false`), read before parsing so that usage errors honour it too. */
function colorFlag(argv: readonly string[]): boolean | undefined {
  let flag: boolean | undefined;
  for (const token of argv) {
    if (token === '--') break;
    if (token === '--color' || token === '--color=true') flag = true;
    else if (token === '--no-color' || token === '--color=false') flag = false;
  }
  return flag;
}

/**
 * yargs lays out the whole `--help` text each time it runs a command, only to
 * keep it for a later `showHelp()`, which stratum never calls (a usage error is
 * one line and a hint): that layout measures every line's width and was a
 * tenth of `validate`'s start-up. `--help` itself still renders in full.
 */
function skipHelpCache(parser: Argv): void {
  // Not in yargs' typings; checked at each step so that another yargs only loses the saving.
  const internal = parser as unknown as {
    getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
  };
  const usage = internal.getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

/** Runs the stratum command line and resolves to the process exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const runner: CommandRunner = { io, exitCode: 0 };
  const verbose = argv.includes('--verbose');
  const color = colorFlag(argv);
  if (color !== undefined) io.color = { out: color, err: color };
  const parser = withGlobalOptions(yargs([...argv]))
    .scriptName('stratum')
    .usage('$0 <command> [options]\n\nDeclarative bootstrap for Linux hosts over SSH.')
    .command(planCommand(runner))
    .command(applyCommand(runner))
    .command(statusCommand(runner))
    .command(stateCommand(runner))
    .command(importCommand(runner))
    .command(validateCommand(runner))
    .command(fmtCommand(runner))
    .command(graphCommand(runner))
    .completion('completion', 'Print a bash/zsh completion script')
    .middleware((args) => checkFlagValues(args))
    .demandCommand(1, 'name a command (see stratum --help)')
    .recommendCommands()
    .strict()
    .version(packageJson.version)
    .help()
    .alias('h', 'help')
    .epilog(EXIT_CODES)
    .wrap(Math.min(110, process.stdout.columns ?? 80))
    .exitProcess(false)
    .fail((message, error) => {
      // yargs' own complaints arrive as a YError (or only a message); anything else is the command's.
      if (error && error.name !== 'YError') throw error;
      throw usageError(message ?? error?.message ?? 'bad arguments', argv);
    });
  skipHelpCache(parser);
  let failure: { error: unknown } | undefined;
  try {
    await parser.parseAsync();
  } catch (error) {
    failure = { error };
  }
  await io.flush();
  if (io.stdoutClosed.aborted) {
    // The reader went away (`| head -1`): say nothing, like a process SIGPIPE ended.
    if (stdoutGone(io)) return STDOUT_CLOSED_EXIT;
    const reason = io.stdoutClosed.reason;
    failure = {
      error: new CliError(
        'StdoutFailed',
        `cannot write to stdout: ${reason instanceof Error ? reason.message : String(reason)}`,
        { hint: 'check where stdout goes (a full disk, a closed file)', cause: reason },
      ),
    };
  }
  if (failure) {
    // Loaded only for a failure: it pulls in the config parser for code frames.
    const { reportError } = await import('./report-error');
    return reportError(failure.error, io, {
      verbose,
      redaction: io.redaction,
      style: styler(io.color.err),
    });
  }
  return runner.exitCode;
}
