import { addrKey, jsonValueSchema, type Plan } from '@stratum/core';
import { z } from 'zod';
import type { Sources } from '../sources';

/**
 * `plan --json`: one versioned document with what the text output shows, for
 * tools. Expects a REDACTED plan; secrets appear as marker objects
 * (`{"__secret": NAME, "__secret_sha256": "sha256:..."}`), never plaintext.
 * Bump `format_version` on any incompatible change; additions keep it.
 */
export const PLAN_FORMAT_VERSION = 1;

const fieldChange = z.object({
  field: z.string().meta({ description: 'Dotted path (`env.PORT`), or `<root>` for the whole value.' }),
  from: jsonValueSchema,
  to: jsonValueSchema,
});

export const planSummarySchema = z.object({
  create: z.int().nonnegative(),
  update: z.int().nonnegative(),
  delete: z.int().nonnegative(),
  noop: z.int().nonnegative(),
  drifted: z.int().nonnegative(),
  missing: z.int().nonnegative(),
  unreadable: z.int().nonnegative(),
  unreachable: z.int().nonnegative(),
});

/**
 * The one definition of the document: `PlanDocument` is inferred from it and
 * `schemas/plan.schema.json` is generated from it, so the type, the output
 * and the published schema cannot disagree.
 */
export const planDocumentSchema = z
  .object({
    format_version: z.literal(PLAN_FORMAT_VERSION),
    mode: z.enum(['bundle', 'namespace']),
    namespace: z.string().nullable(),
    configs: z.array(z.string()),
    state: z.string(),
    refreshed: z.boolean().meta({ description: 'True when any step carries a drift annotation.' }),
    summary: planSummarySchema,
    warnings: z.array(z.string()),
    steps: z.array(
      z.object({
        address: z.string().meta({ description: '`kind.name`' }),
        kind: z.string(),
        name: z.string(),
        provider: z.string(),
        action: z.enum(['create', 'update', 'delete', 'noop']),
        changes: z.array(fieldChange),
        drift: z
          .object({
            changes: z.array(fieldChange),
            missing: z.boolean(),
            unreadable: z.string().optional(),
            unreachable: z.literal(true).optional(),
            observed: jsonValueSchema.optional(),
          })
          .nullable(),
        trigger: z
          .object({
            verb: z.string(),
            by: z.array(z.string()),
            pending: z.array(z.string()),
          })
          .nullable(),
        // Redacted attrs: desired is null for a delete, prior null for a create.
        desired: jsonValueSchema,
        prior: jsonValueSchema,
      }),
    ),
  })
  .meta({
    title: 'stratum plan --json',
    description:
      'The document `stratum plan --json` prints. Secrets appear only as `__secret` marker objects.',
  });

export type PlanDocument = z.infer<typeof planDocumentSchema>;

export function planDocument(plan: Plan, sources: Sources): PlanDocument {
  return {
    format_version: PLAN_FORMAT_VERSION,
    mode: sources.mode,
    namespace: sources.namespace ?? null,
    configs: sources.configs,
    state: sources.statePath,
    refreshed: plan.wasRefreshed(),
    summary: plan.summary(),
    warnings: [...plan.warnings],
    steps: plan.steps.map((step) => ({
      address: addrKey(step.addr),
      kind: step.addr.kind,
      name: step.addr.name,
      provider: step.provider,
      action: step.action,
      changes: [...step.changes],
      drift: step.drift === undefined ? null : { ...step.drift, changes: [...step.drift.changes] },
      trigger:
        step.trigger === undefined
          ? null
          : { ...step.trigger, by: [...step.trigger.by], pending: [...step.trigger.pending] },
      desired: step.desired,
      prior: step.prior,
    })),
  };
}
