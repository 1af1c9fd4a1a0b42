import { absolutePathSchema, hostSchema } from '@stratum/core/kit';
import { z } from 'zod';

/** `docker_image` attributes: a build on the host's docker daemon. */
export const imageSchema = z.strictObject({
  host: hostSchema,
  tag: z.string().min(1),
  /** The build context, a directory on the host (not this machine). */
  context: absolutePathSchema,
  dockerfile: z.string().min(1).default('Dockerfile'),
  target: z.string().min(1).optional(),
  /** Passed as `--build-arg KEY=VALUE`, keys sorted; numbers and booleans are written out as text. */
  build_args: z
    .record(
      z.string().regex(/^[^=\s]+$/, 'build arg names must be non-empty, without `=` or whitespace'),
      z.union([z.string(), z.number(), z.boolean()]),
    )
    .optional(),
  pull_base: z.boolean().default(false),
});

export type ImageAttrs = z.output<typeof imageSchema>;

/** The attrs docker cannot report back after a build: the probe echoes them from state. */
export const BUILD_TIME_FIELDS = ['context', 'dockerfile', 'target', 'build_args', 'pull_base'] as const;
