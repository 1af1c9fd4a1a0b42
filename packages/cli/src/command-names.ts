/**
 * The commands' names, for the did-you-mean of a mistyped one (main.ts) and
 * for naming a run's code cache before any of the program is compiled
 * (start.ts): kept apart from the commands so that the start loads no more.
 */
export const COMMANDS = [
  'plan',
  'apply',
  'status',
  'state',
  'import',
  'validate',
  'fmt',
  'graph',
  'completion',
];

/** The subcommands of `stratum state`. */
export const STATE_SUBCOMMANDS = [
  'list',
  'show',
  'merge',
  'pull',
  'push',
  'unlock',
  'rm',
  'mv',
  'history',
] as const;
