import { hostSchema } from '@stratum/core/kit';
import { z } from 'zod';
import { dockerNameSchema } from '../shared/schema-parts';

/**
 * `docker_network` attributes. `name` falls back to the resource label, which
 * the schema cannot know: the kind fills it in at apply time.
 */
export const networkSchema = z.strictObject({
  host: hostSchema,
  name: dockerNameSchema.optional(),
  driver: z.string().min(1).default('bridge'),
});

export type NetworkAttrs = z.output<typeof networkSchema>;
