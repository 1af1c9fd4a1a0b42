import type { Provider } from '@stratum/core';
import { gitRepoKind } from './kind';

/**
 * The `git` provider: `git_repo` checkouts driven through the host's own
 * `git` binary. It takes no configuration block and injects no credentials.
 */
export function createGitProvider(): Provider {
  return { name: 'git', kinds: { git_repo: gitRepoKind } };
}
