import { addrKey, type JsonObject, type PlannedResource, type RedactionMap, redactInto } from '@stratum/core';
import { z } from 'zod';
import type { CliIo } from '../io';
import { planSummarySchema } from './plan-json';

/**
 * `apply --json`: one JSON object per line, versioned by the first event.
 * Bump `format_version` on any incompatible change; additions keep it.
 */
export const APPLY_FORMAT_VERSION = 1;

const stepEvent = {
  address: z.string().meta({ description: '`kind.name`' }),
  action: z.enum(['create', 'update', 'delete', 'noop']),
};

/**
 * The one definition of the stream's lines: `ApplyEvent` is inferred from it
 * and `schemas/apply-event.schema.json` (one line of the stream) is generated from it.
 */
export const applyEventSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('stream'), format_version: z.literal(APPLY_FORMAT_VERSION) }),
    z.object({ type: z.literal('plan'), summary: planSummarySchema, steps: z.array(z.object(stepEvent)) }),
    z.object({ type: z.literal('step_start'), ...stepEvent, host: z.string().nullable() }),
    z.object({ type: z.literal('step_done'), ...stepEvent, elapsed_ms: z.int().nonnegative() }),
    z.object({ type: z.literal('step_failed'), ...stepEvent, error: z.string() }),
    z.object({ type: z.literal('state_saved'), path: z.string(), completed: z.int().nonnegative() }),
    z.object({ type: z.literal('post_apply'), summary: planSummarySchema }),
    z.object({ type: z.literal('done'), result: z.literal('nothing-to-do') }),
  ])
  .meta({
    title: 'stratum apply --json event',
    description:
      'One line of `stratum apply --json`; the first is `{"type":"stream","format_version":1}`. Secrets are redacted.',
  });

export type ApplyEvent = z.infer<typeof applyEventSchema>;

export type Emit = (event: ApplyEvent) => void;

/** Writes the stream's first line and returns the writer of the others. */
export function applyJsonEmitter(io: Pick<CliIo, 'out'>, redaction: RedactionMap): Emit {
  io.out(JSON.stringify({ type: 'stream', format_version: APPLY_FORMAT_VERSION } satisfies ApplyEvent));
  // Error messages can carry a provider's stderr, which could echo a secret.
  return (event) => io.out(JSON.stringify(redactInto(event as unknown as JsonObject, redaction)));
}

export function stepEventOf(step: PlannedResource) {
  return { address: addrKey(step.addr), action: step.action };
}

/** The line of an engine's step event. */
export function stepEventJson(
  event:
    | { type: 'step_start'; step: PlannedResource; host: string | undefined }
    | { type: 'step_done'; step: PlannedResource; elapsedMs: number }
    | { type: 'step_failed'; step: PlannedResource; error: unknown },
): ApplyEvent {
  const step = stepEventOf(event.step);
  if (event.type === 'step_done')
    return { type: 'step_done', ...step, elapsed_ms: Math.round(event.elapsedMs) };
  if (event.type === 'step_failed') return { type: 'step_failed', ...step, error: messageOf(event.error) };
  return { type: 'step_start', ...step, host: event.host ?? null };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
