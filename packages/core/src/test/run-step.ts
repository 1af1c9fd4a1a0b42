import { OnceMemo, runOperation } from '../engine/run-operation';
import type { Operation } from '../operation';
import type { CreateRequest, DeleteRequest, KindHandler, UpdateRequest } from '../provider';
import type { ExecResult } from '../transport';
import type { JsonObject } from '../types';
import type { TestContext } from './test-context';

/** Which of a kind's operations to run, with its request. */
export type StepRequest<A> =
  | ({ action: 'create' } & Omit<CreateRequest<A>, 'raw'> & { raw?: JsonObject })
  | ({ action: 'update' } & Omit<UpdateRequest<A>, 'raw'> & { raw?: JsonObject })
  | ({ action: 'delete' } & DeleteRequest);

/** What {@link runStep} saw. */
export interface StepRun {
  /** The operation the kind built. */
  readonly operation: Operation;
  /** One result per command; undefined for a skipped `once` command. */
  readonly results: readonly (ExecResult | undefined)[];
  /** What the step records in state (create / update). */
  readonly recorded: JsonObject | undefined;
}

/**
 * Builds a kind's create, update or delete operation and runs it the way the
 * engine does — commands in order through `ctx.transport`, failures judged by
 * each command's rules — then logs the operation's trace lines (and any
 * warnings) to `ctx`. Rejects with the step's error, as an apply would.
 * Pass one `once` memo to several calls to see `once` commands deduplicated.
 */
export async function runStep<A>(
  handler: KindHandler<A>,
  request: StepRequest<A>,
  ctx: TestContext,
  options: { once?: OnceMemo } = {},
): Promise<StepRun> {
  const operation = await build(handler, request);
  const outcome = await runOperation(operation, {
    transport: ctx.transport,
    signal: ctx.signal,
    addr: `${request.kind}.${request.name}`,
    once: options.once ?? new OnceMemo(),
    warn: (line) => ctx.log.warn(line),
  });
  for (const line of operation.warnings ?? []) ctx.log.warn(line);
  for (const line of operation.trace ?? []) ctx.log.trace(line);
  return {
    operation,
    results: outcome.results,
    recorded: request.action === 'delete' ? undefined : outcome.recorded,
  };
}

function build<A>(handler: KindHandler<A>, request: StepRequest<A>): Operation | Promise<Operation> {
  switch (request.action) {
    case 'create':
      return handler.create({ ...request, raw: request.raw ?? (request.attrs as JsonObject) });
    case 'update':
      return handler.update({ ...request, raw: request.raw ?? (request.attrs as JsonObject) });
    case 'delete':
      return handler.delete(request);
  }
}
