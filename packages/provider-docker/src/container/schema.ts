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
export const containerSchema = z.strictObject({
  host: hostSchema,
  image: z.string().min(1),
  name: dockerNameSchema.optional(),
  restart: z.string().min(1).default('unless-stopped'),
  pull: z.boolean().default(true),
  /** Non-string values are passed JSON-stringified. */
  env: z.record(envKeySchema, z.json()).optional(),
  ports: z.array(z.string().min(1)).optional(),
  volumes: z.array(z.string().min(1)).optional(),
  labels: z.record(z.string().min(1), z.string()).optional(),
  networks: z.array(dockerNameSchema).optional(),
  command: z.union([z.string(), z.array(z.string())]).optional(),
  memory: z.string().min(1).optional(),
  memory_swap: z.string().min(1).optional(),
  healthcheck: healthcheckSchema.optional(),
  depends_on: z.array(addrSchema).optional(),
});

export type ContainerAttrs = z.output<typeof containerSchema>;
export type HealthcheckAttrs = z.output<typeof healthcheckSchema>;
