import { absolutePathSchema, hostSchema } from '@stratum/core/kit';
import { z } from 'zod';

/** `docker_image` attributes: a build on the host's docker daemon. */
export const imageSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target; the build runs on its docker engine.'),
    tag: z.string().min(1).describe('The image tag (`-t`), and what refresh looks up.'),
    /** The build context, a directory on the host (not this machine). */
    context: absolutePathSchema.describe(
      'The absolute path of the build context on the host (not this machine).',
    ),
    dockerfile: z
      .string()
      .min(1)
      .default('Dockerfile')
      .describe('The Dockerfile (`-f`), relative to `context`.'),
    target: z.string().min(1).optional().describe('The build stage to stop at (`--target`).'),
    /** Passed as `--build-arg KEY=VALUE`, keys sorted; numbers and booleans are written out as text. */
    build_args: z
      .record(
        z.string().regex(/^[^=\s]+$/, 'build arg names must be non-empty, without `=` or whitespace'),
        z.union([z.string(), z.number(), z.boolean()]),
      )
      .optional()
      .describe(
        'Build arguments (`--build-arg KEY=VALUE`, keys sorted); numbers and booleans are written as text.',
      ),
    pull_base: z.boolean().default(false).describe('Pull newer base images before building (`--pull`).'),
  })
  .describe('A docker image built on the host with BuildKit.');

export type ImageAttrs = z.output<typeof imageSchema>;

/** The attrs docker cannot report back after a build: the probe echoes them from state. */
export const BUILD_TIME_FIELDS = ['context', 'dockerfile', 'target', 'build_args', 'pull_base'] as const;
