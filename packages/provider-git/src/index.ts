// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import '@stratum/core/node-version';

export type { GitErrorCode } from './errors';
export { GitError } from './errors';
export { gitRepoKind } from './kind';
export { createGitProvider } from './provider';
export type { GitRepoAttrs } from './schema';
export { gitRepoSchema } from './schema';
