import { hostSchema } from '@stratum/core/kit';
import { z } from 'zod';
import { dockerNameSchema } from '../shared/schema-parts';

/**
 * `docker_network` attributes. `name` falls back to the resource label, which
 * the schema cannot know: the kind fills it in at apply time.
 */
export const networkSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target whose docker engine holds the network.'),
    name: dockerNameSchema.optional().describe('The network name. Defaults to the resource label.'),
    driver: z
      .string()
      .min(1)
      .default('bridge')
      .describe('The network driver (`docker network create --driver`).'),
  })
  .describe('A user-defined docker network.');

export type NetworkAttrs = z.output<typeof networkSchema>;
