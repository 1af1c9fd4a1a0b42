export type { CliErrorCode } from './errors';
export { CliError } from './errors';
export type { CliIo } from './io';
export { EXIT_CODES, main } from './main';
// For tools that read configs as the CLI does (the language server): the same providers, loaded the same way.
export { loadThirdPartyProviders } from './provider-loader';
export { builtinRegistry } from './runtime';
export { siblingNamespace } from './sibling-namespace';
