import { hostSchema } from '@stratum/core/kit';
import { z } from 'zod';
import { dockerNameSchema } from '../shared/schema-parts';

/**
 * `healthcheck`: lowered to docker's `--health-*` flags. Unknown fields are
 * rejected so `intervall` is caught at plan time.
 */
export const healthcheckSchema = z.strictObject({
  test: z.string().min(1),
  interval: z.string().min(1).optional(),
  retries: z.number().int().nonnegative().optional(),
  timeout: z.string().min(1).optional(),
  start_period: z.string().min(1).optional(),
});

/** An env key docker accepts in `-e KEY=VALUE`: non-empty, no `=`, no whitespace. */
const envKeySchema = z.string().regex(/^[^=\s]+$/, 'env keys must be non-empty, without `=` or whitespace');

/** `<kind>.<name>`, the shape of a `depends_on` entry. */
const addrSchema = z
  .string()
  .regex(/^[a-z][a-z0-9]*_[a-z0-9_]*\.\S+$/, 'must be a resource address `<kind>.<name>`');

/**
 * `docker_container` attributes. Defaults filled here are the ones that do
 * not depend on the resource label; `name` (defaulting to the label) is
 * filled in at apply time. Values are not transformed, so what is recorded in
 * state is what the config said.
 */
export const containerSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target whose docker engine runs the container.'),
    image: z.string().min(1).describe('The image reference to run.'),
    name: dockerNameSchema
      .optional()
      .describe('The container name (`--name`). Defaults to the resource label.'),
    restart: z.string().min(1).default('unless-stopped').describe('The restart policy (`--restart`).'),
    pull: z
      .boolean()
      .default(true)
      .describe('Pull the image before running it; set `false` for images built on the host.'),
    /** Non-string values are passed JSON-stringified. */
    env: z
      .record(envKeySchema, z.json())
      .optional()
      .describe(
        'Environment variables (`-e KEY=VALUE`); values that are not strings are passed JSON-encoded.',
      ),
    ports: z.array(z.string().min(1)).optional().describe('Published ports (`-p SPEC` each).'),
    volumes: z.array(z.string().min(1)).optional().describe('Mounted volumes (`-v SPEC` each).'),
    labels: z
      .record(z.string().min(1), z.string())
      .optional()
      .describe('Container labels (`-l KEY=VALUE` each).'),
    networks: z.array(dockerNameSchema).optional().describe('The networks to attach the container to.'),
    command: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('The arguments after the image: a string split by the shell, or a list passed as is.'),
    memory: z.string().min(1).optional().describe('The memory limit (`--memory`, e.g. `256m`, `1g`).'),
    memory_swap: z.string().min(1).optional().describe('The memory plus swap limit (`--memory-swap`).'),
    healthcheck: healthcheckSchema
      .optional()
      .describe(
        "A health check (`test`, `interval`, `retries`, `timeout`, `start_period`), lowered to docker's `--health-*` flags; apply waits for the container to become healthy.",
      ),
    depends_on: z
      .array(addrSchema)
      .optional()
      .describe('Resources (`<kind>.<name>`) this container is ordered after; recorded in state.'),
  })
  .describe('A long-running docker container; a change recreates it.');

export type ContainerAttrs = z.output<typeof containerSchema>;
export type HealthcheckAttrs = z.output<typeof healthcheckSchema>;
