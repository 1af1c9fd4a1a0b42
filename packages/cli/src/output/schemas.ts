import { resourceStateSchema, savedPlanSchema, stateFileSchema } from '@stratum/core';
import type { z } from 'zod';
import { applyEventSchema } from './apply-json';
import { graphDocumentSchema } from './graph-json';
import { historyListSchema, historyRunSchema } from './history-json';
import { planDocumentSchema } from './plan-json';
import { stateListSchema, stateMvSchema, stateRmSchema } from './state-json';
import { validateDocumentSchema } from './validate-json';

/**
 * Every JSON document stratum prints or writes for tools, by the name of its
 * file in `schemas/` (`NAME.schema.json`), each generated from the zod schema
 * the output is typed by (regenerate with `UPDATE_SCHEMAS=1`).
 */
export const PUBLISHED_SCHEMAS = {
  /** `plan --json`. */
  plan: planDocumentSchema,
  /** One line of `apply --json`. */
  'apply-event': applyEventSchema,
  /** `graph --json`. */
  graph: graphDocumentSchema,
  /** `validate --json`. */
  validate: validateDocumentSchema,
  /** `plan -o PLANFILE`. */
  'saved-plan': savedPlanSchema,
  /** The state file, and `state pull`. */
  state: stateFileSchema.meta({
    title: 'stratum state file',
    description:
      'A state file (`.stratum/state.json`), as `stratum state pull` prints it. Versioned by `version`; secrets appear only as markers.',
  }),
  /** `state show ADDR`: one entry of the state file's `resources`. */
  'state-resource': resourceStateSchema.meta({
    title: 'stratum state show ADDR',
    description:
      "One resource's recorded state, as `stratum state show` prints it: an entry of the state file.",
  }),
  /** `state list --json`. */
  'state-list': stateListSchema,
  /** `state rm --json`. */
  'state-rm': stateRmSchema,
  /** `state mv --json`. */
  'state-mv': stateMvSchema,
  /** `state history --json`. */
  'state-history': historyListSchema,
  /** `state history RUN --json`. */
  'state-history-run': historyRunSchema,
} as const satisfies Record<string, z.ZodType>;

export type PublishedSchemaName = keyof typeof PUBLISHED_SCHEMAS;
