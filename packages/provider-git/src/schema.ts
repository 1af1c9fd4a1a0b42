import { absolutePathSchema, hostSchema } from '@stratum/core/kit';
import { z } from 'zod';

/**
 * `git_repo` attributes. `url` and `ref` may not start with `-`, so neither
 * can be read by git as an option; `path` must be absolute and not `/`
 * (a re-clone removes it with `rm -rf`).
 */
export const gitRepoSchema = z.strictObject({
  host: hostSchema,
  path: absolutePathSchema.refine((p) => !isRootPath(p), 'must not be `/`'),
  url: z.string().min(1).regex(/^[^-]/, 'must not start with `-`'),
  ref: z.string().min(1).regex(/^[^-]/, 'must not start with `-`'),
  depth: z.number().int().positive().optional(),
});

export type GitRepoAttrs = z.output<typeof gitRepoSchema>;

/** True for `/`, `//`, `/./` and the like: paths that name the root directory. */
export function isRootPath(path: string): boolean {
  return path.split('/').every((part) => part === '' || part === '.');
}
