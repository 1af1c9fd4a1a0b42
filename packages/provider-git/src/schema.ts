import { absolutePathSchema, hostSchema } from '@stratum/core/kit';
import { z } from 'zod';

/**
 * `git_repo` attributes. `url` and `ref` may not start with `-`, so neither
 * can be read by git as an option; `path` must be absolute and not `/`
 * (a re-clone removes it with `rm -rf`).
 */
export const gitRepoSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the checkout lives on.'),
    path: absolutePathSchema
      .refine((p) => !isRootPath(p), 'must not be `/`')
      .describe('The absolute path of the checkout; `git clone` creates it, and `/` is refused.'),
    url: z
      .string()
      .min(1)
      .regex(/^[^-]/, 'must not start with `-`')
      .describe('The remote, handed to `git clone` as is; it may not start with `-`.'),
    ref: z
      .string()
      .min(1)
      .regex(/^[^-]/, 'must not start with `-`')
      .describe('A branch, a tag, or a full 40-character lowercase hex commit id.'),
    depth: z.number().int().positive().optional().describe('The shallow clone depth, for branches and tags.'),
  })
  .describe('A git checkout on the host at a branch, tag or commit.');

export type GitRepoAttrs = z.output<typeof gitRepoSchema>;

/** True for `/`, `//`, `/./` and the like: paths that name the root directory. */
export function isRootPath(path: string): boolean {
  return path.split('/').every((part) => part === '' || part === '.');
}
