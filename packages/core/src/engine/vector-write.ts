import { addrKey } from '../addr';
import type { Operation, VectorWriter } from '../operation';
import type { ExecResult } from '../transport';
import type { PlannedResource } from '../types';
import { execCommand, type RunOperationContext } from './run-operation';

/** The part of a step's work a vector write looks at. */
export interface VectorCandidate {
  readonly step: PlannedResource;
  readonly operation: Operation | undefined;
  /** A kind that waits for readiness after a step: no later step may run before that. */
  readonly handler?: { readonly ready?: unknown } | undefined;
  /** A trigger's re-run after the operation, or in its place. */
  readonly rerun?: Operation | undefined;
  readonly rerunOnly?: boolean | undefined;
  /**
   * The producers whose known-after-apply values the step still waits for
   * (see `after-apply.ts`): its operation was built with markers in their
   * place and is built again once they finished. Such a step is never written
   * with others: the write would carry the markers, not the values.
   */
  readonly awaiting?: readonly string[] | undefined;
}

/** Most steps one write takes when the writer does not say. */
const DEFAULT_MAX = 256;

/** The writer that may carry `item`, when nothing about the step forbids it. */
function writerOf(item: VectorCandidate): VectorWriter | undefined {
  const { operation, step } = item;
  if (operation?.vector === undefined || step.action === 'delete') return undefined;
  if (item.handler?.ready !== undefined || item.rerun !== undefined || item.rerunOnly) return undefined;
  if (item.awaiting !== undefined && item.awaiting.length > 0) return undefined;
  // A command on another host, or one run once per host per run, has to run
  // exactly where and when its own operation would run it.
  if (operation.commands.some((c) => c.host !== undefined || c.once !== undefined)) return undefined;
  return operation.vector.writer;
}

/**
 * The steps from `lane[start]` on that one vector write can carry: consecutive,
 * on one host, naming the same writer, with no edge from one to another (so the
 * order the write does them in cannot matter). A single step when the step at
 * `start` cannot be written with others.
 */
export function vectorGroup<W extends VectorCandidate>(
  lane: readonly W[],
  start: number,
  edgesOf: (step: PlannedResource) => readonly string[],
): W[] {
  const first = lane[start]!;
  const writer = writerOf(first);
  if (writer === undefined) return [first];
  const max = writer.max ?? DEFAULT_MAX;
  const group = [first];
  const keys = new Set([addrKey(first.step.addr)]);
  for (let i = start + 1; i < lane.length && group.length < max; i++) {
    const item = lane[i]!;
    if (writerOf(item)?.id !== writer.id || item.operation?.host !== first.operation?.host) break;
    if (edgesOf(item.step).some((target) => keys.has(target))) break;
    group.push(item);
    keys.add(addrKey(item.step.addr));
  }
  return group;
}

/**
 * Runs one write for every step of `group` (from {@link vectorGroup}) and
 * returns, per step, the result the writer vouches for, or `undefined` where
 * it does not — then that step's own operation runs. A write that cannot run
 * at all vouches for nothing: each step then meets the same trouble on its own
 * and fails with its own error.
 */
export async function writeVector(
  group: readonly VectorCandidate[],
  ctx: Pick<RunOperationContext, 'transport' | 'signal' | 'shells'>,
): Promise<readonly (ExecResult | undefined)[]> {
  const operation = group[0]!.operation!;
  const { writer } = operation.vector!;
  const args = group.map((item) => item.operation!.vector!.arg);
  try {
    const results: ExecResult[] = [];
    for (const command of writer.commands(operation.host, args)) {
      ctx.signal.throwIfAborted();
      results.push(await execCommand(command, operation.host, ctx));
    }
    const vouched = writer.split(results, args);
    return group.map((_, i) => vouched[i]);
  } catch {
    return group.map(() => undefined);
  }
}
