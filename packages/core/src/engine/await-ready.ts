import { setTimeout as delay } from 'node:timers/promises';
import type { Readiness } from '../operation';
import type { ExecResult, Transport } from '../transport';

/** What {@link awaitReady} needs around it. */
export interface AwaitReadyContext {
  readonly transport: Transport;
  readonly signal: AbortSignal;
  /** Waits between polls; tests pass a fake. Defaults to a timer that honours `signal`. */
  readonly sleep?: ((ms: number, signal: AbortSignal) => Promise<void>) | undefined;
}

const sleepFor = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal });

/**
 * Waits until a kind's {@link Readiness} holds: a pause, or polls of a
 * read-only command until the kind's `check` says ready (resolves), failed
 * (rejects with the kind's error) or the polls run out (rejects with the kind's
 * `timedOut` error). A command that cannot run rejects as the transport does.
 */
export async function awaitReady(readiness: Readiness, ctx: AwaitReadyContext): Promise<void> {
  const sleep = ctx.sleep ?? sleepFor;
  if (readiness.type === 'pause') {
    await sleep(readiness.ms, ctx.signal);
    return;
  }
  const maxPolls = readiness.maxPolls ?? 60;
  const intervalMs = readiness.intervalMs ?? 1000;
  let last: ExecResult | undefined;
  for (let poll = 1; poll <= maxPolls; poll++) {
    ctx.signal.throwIfAborted();
    last = await ctx.transport.exec(readiness.host, readiness.command, {
      idempotent: true,
      signal: ctx.signal,
    });
    const verdict = readiness.check(last, poll);
    if (verdict === 'ready') return;
    if (verdict !== 'waiting') throw verdict.failed;
    if (poll < maxPolls) await sleep(intervalMs, ctx.signal);
  }
  throw readiness.timedOut(last, maxPolls);
}
