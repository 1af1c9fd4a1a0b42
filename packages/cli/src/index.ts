export type { CliErrorCode } from './errors';
export { CliError } from './errors';
export type { CliIo } from './io';
export { EXIT_CODES, main } from './main';
