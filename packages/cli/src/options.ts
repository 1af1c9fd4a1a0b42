import type { Argv } from 'yargs';
import { CliError } from './errors';

/** Flags every command accepts (the spec's global flags plus ours). */
export interface GlobalFlags {
  envFile?: string[] | undefined;
  /** `--var name=value`, repeatable, later ones winning. */
  var?: string[] | undefined;
  /** `--var-file FILE`, repeatable, later files winning. */
  varFile?: string[] | undefined;
  namespace?: string | undefined;
  manifest?: string | undefined;
  verbose?: boolean | undefined;
  sshConfig?: string | undefined;
  /** `--parallelism N`: how many hosts are read or changed at once. Checked by {@link checkFlagValues}. */
  parallelism?: string | undefined;
  /** `--color` / `--no-color`; unset: decided from the environment (see `colorFor`). */
  color?: boolean | undefined;
}

export function withGlobalOptions<T>(yargs: Argv<T>) {
  return yargs
    .option('env-file', {
      type: 'string',
      array: true,
      // One path per flag: a greedy array would swallow the command in `stratum --env-file x plan`.
      nargs: 1,
      global: true,
      describe:
        'Load env vars from this .env-style file before resolving secrets (repeatable; default: ./.env if present)',
    })
    .option('var', {
      type: 'string',
      array: true,
      nargs: 1,
      global: true,
      describe:
        'Set a variable: --var name=value (repeatable; wins over --var-file, STRATUM_VAR_<name> and the default)',
    })
    .option('var-file', {
      type: 'string',
      array: true,
      nargs: 1,
      global: true,
      describe:
        'Read variables from a file of `name = value` lines in .strat syntax (repeatable; later files win)',
    })
    .option('namespace', {
      alias: 'n',
      type: 'string',
      global: true,
      describe: 'Operate within this namespace of the manifest',
    })
    .option('manifest', {
      type: 'string',
      global: true,
      describe: 'Manifest used by -n (default ./stratum.strat)',
    })
    .option('ssh-config', {
      type: 'string',
      global: true,
      describe: 'ssh config file to use instead of ~/.ssh/config (like ssh -F; env STRATUM_SSH_CONFIG)',
    })
    .option('parallelism', {
      // A string, checked by checkFlagValues: yargs would turn `--parallelism x` into NaN silently.
      type: 'string',
      global: true,
      describe: 'How many hosts are read or changed at once (default 64; each host in plan order)',
    })
    .option('verbose', { type: 'boolean', global: true, describe: 'Print stack traces with errors' })
    .option('color', {
      type: 'boolean',
      global: true,
      describe:
        'Colour the output; --no-color turns it off (default: on a terminal outside CI; env NO_COLOR, FORCE_COLOR)',
    });
}

/** `-c` (repeatable); no yargs default so that `-n` with an explicit `-c` can be refused. */
export function withConfigOptions<T>(yargs: Argv<T>) {
  return yargs.option('config', {
    alias: 'c',
    type: 'string',
    array: true,
    describe: 'A .strat config file (repeatable; default stratum.strat)',
  });
}

export function withStateOptions<T>(yargs: Argv<T>) {
  return yargs.option('state', {
    alias: 's',
    type: 'string',
    describe: 'The JSON state file (default .stratum/state.json, or .stratum/<namespace>.json with -n)',
  });
}

/** The state file `state list` and `state show` read when `-p` is not given. */
export const DEFAULT_STATE_PATH = '.stratum/state.json';

/** `--json`: the command's versioned document (docs/reference/json-output.md) instead of text. */
export function withJsonOption<T>(yargs: Argv<T>) {
  return yargs.option('json', {
    type: 'boolean',
    describe: 'Print a versioned JSON document instead of text',
  });
}

/** `-p` for the state subcommands; no yargs default, which would also stand in for a `-p` given no value. */
export function withPathOption<T>(yargs: Argv<T>) {
  return yargs.option('path', {
    alias: 'p',
    type: 'string',
    describe: `The JSON state file (default ${DEFAULT_STATE_PATH})`,
  });
}

/**
 * Every flag that takes a value, as the user spells it, with what it takes.
 * yargs reads such a flag given nothing (`plan -c`, `apply -y -s`) as an empty
 * value, or as its default; {@link checkFlagValues} refuses that instead.
 */
const VALUE_FLAGS: readonly { key: string; flag: string; needs: string; example: string }[] = [
  { key: 'config', flag: '-c/--config', needs: 'a file path', example: '-c site.strat' },
  { key: 'state', flag: '-s/--state', needs: 'a file path', example: '-s .stratum/state.json' },
  { key: 'path', flag: '-p/--path', needs: 'a file path', example: '-p .stratum/state.json' },
  { key: 'out', flag: '-o/--out', needs: 'a file path', example: '-o .stratum/merged.json' },
  { key: 'envFile', flag: '--env-file', needs: 'a file path', example: '--env-file .env.prod' },
  { key: 'var', flag: '--var', needs: 'name=value', example: '--var region=fra1' },
  { key: 'varFile', flag: '--var-file', needs: 'a file path', example: '--var-file prod.stratvars' },
  { key: 'namespace', flag: '-n/--namespace', needs: 'a namespace name', example: '-n app' },
  { key: 'manifest', flag: '--manifest', needs: 'a file path', example: '--manifest stratum.strat' },
  { key: 'sshConfig', flag: '--ssh-config', needs: 'a file path', example: '--ssh-config ./ssh_config' },
  { key: 'host', flag: '--host', needs: "a host block's name or addr", example: '--host web' },
  { key: 'parallelism', flag: '--parallelism', needs: 'a number of hosts', example: '--parallelism 16' },
];

/** Whether `token` is a flag that takes the next argument as its value (`-c FILE`, not `-c=FILE`). */
export function takesValue(token: string): boolean {
  return token.startsWith('-') && !token.includes('=') && flagNamed(token) !== undefined;
}

type ValueFlag = (typeof VALUE_FLAGS)[number];

/** Refuses a flag that takes a value but was given none (or an empty one). */
export function checkFlagValues(argv: Record<string, unknown>): void {
  for (const entry of VALUE_FLAGS) {
    const value = argv[entry.key];
    const empty = Array.isArray(value) ? value.length === 0 || value.includes('') : value === '';
    if (empty) throw needsValue(entry);
  }
  parallelismOf(argv.parallelism as string | undefined);
}

/** The `--parallelism` value as a number of hosts; undefined when not given. */
export function parallelismOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const hosts = /^\d{1,5}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(hosts >= 1)) {
    throw new CliError(
      'BadArguments',
      `--parallelism needs a whole number of hosts, at least 1; got ${JSON.stringify(value)}`,
      {
        hint: 'e.g. `--parallelism 16`; without the flag 64 hosts are worked on at once',
      },
    );
  }
  return hosts;
}

/** `-c/--config needs a file path`, for a flag named by any of its spellings (`c`, `config`, `env-file`). */
export function flagNeedsValue(name: string): CliError {
  const entry = flagNamed(name);
  if (entry) return needsValue(entry);
  return new CliError('BadArguments', `--${name.replace(/^-+/, '')} needs a value`, {
    hint: 'see stratum --help',
  });
}

function needsValue(entry: ValueFlag): CliError {
  return new CliError('BadArguments', `${entry.flag} needs ${entry.needs}`, {
    hint: `give it right after the flag, e.g. \`${entry.example}\``,
  });
}

function flagNamed(name: string): ValueFlag | undefined {
  const bare = name.replace(/^-+/, '');
  return VALUE_FLAGS.find((f) => f.flag.split('/').some((spelling) => spelling.replace(/^-+/, '') === bare));
}
