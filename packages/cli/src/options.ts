import type { Argv } from 'yargs';

/** Flags every command accepts (the spec's global flags plus ours). */
export interface GlobalFlags {
  envFile?: string[] | undefined;
  namespace?: string | undefined;
  manifest?: string | undefined;
  verbose?: boolean | undefined;
  sshConfig?: string | undefined;
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
    .option('verbose', { type: 'boolean', global: true, describe: 'Print stack traces with errors' });
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

export function withPathOption<T>(yargs: Argv<T>) {
  return yargs.option('path', {
    alias: 'p',
    type: 'string',
    default: '.stratum/state.json',
    describe: 'The JSON state file',
  });
}
