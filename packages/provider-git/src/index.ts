export type { GitErrorCode } from './errors';
export { GitError } from './errors';
export { gitRepoKind } from './kind';
export { createGitProvider } from './provider';
export type { GitRepoAttrs } from './schema';
export { gitRepoSchema } from './schema';
