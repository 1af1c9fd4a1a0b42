import type { Operation } from '../operation';
import type { KindHandler } from '../provider';
import type { PlannedResource } from '../types';
import type { ShellSessions } from './shell-session';

/**
 * Sends a host's next steps to its session shell before their turn, so the
 * host runs them back to back while the engine judges and records the ones
 * before: a step costs the host's time for it, not a round trip.
 *
 * What keeps this safe:
 * - the engine still claims every result in plan order and judges, records
 *   and persists each step before it tells the step done;
 * - the host's gate (`shell-session.ts`) skips everything sent after a
 *   command whose failure stops the apply, so a failed step stops the host
 *   where the engine would have;
 * - what the host cannot judge ends a pipeline: a command whose failure the
 *   engine forgives on its output (`okIfOutput`), a step with a readiness
 *   wait or a re-run after it. Such a step may be sent, nothing after it
 *   until it finished. Steps that wait for known-after-apply values, run a
 *   `once` command, reach another host, stream their stdin or carry a
 *   secret in it are never sent ahead;
 * - steps the host ran are recorded even when the apply failed meanwhile
 *   (another host's failure, a `record` that refused a result, a failed
 *   state write): they happened, so state says so (see `applyPlan`);
 * - at most {@link PIPELINE_DEPTH} commands are ahead. If the operator's
 *   side dies, the shell stops at its next report (it exits when it cannot
 *   write), so the host finishes at most the command it is running — but
 *   the steps it finished whose results were still on the way are not in
 *   state; the next apply's plan does them again, as it does the step that
 *   was running when a lock-step apply died.
 */

/** Most commands a host's shell holds ahead of the step the engine is on. */
export const PIPELINE_DEPTH = 32;

/** What the pipeline needs of a step's work (see `applyPlan`'s `Work`). */
export interface PipelineCandidate {
  readonly step: PlannedResource;
  readonly handler: KindHandler<unknown> | undefined;
  readonly operation: Operation | undefined;
  readonly rerun?: Operation | undefined;
  readonly awaiting?: readonly string[] | undefined;
  readonly buildError?: unknown;
}

/**
 * Whether a step may be sent ahead on `host`: `no`; `yes`; or `last`, when it
 * may be sent but nothing after it until it finished (see the module comment).
 * What a session cannot carry (a stream or function stdin, a secret, its own
 * timeout) `ShellSessions.send` refuses.
 */
export function pipelineRole(item: PipelineCandidate, host: string): 'no' | 'yes' | 'last' {
  const { operation } = item;
  if (operation === undefined || item.buildError !== undefined || operation.host !== host) return 'no';
  if (item.awaiting !== undefined && item.awaiting.length > 0) return 'no';
  const { commands } = operation;
  // Nothing for the host to run: nothing to gain, and the drain tells steps apart by their commands.
  if (commands.length === 0) return 'no';
  for (const [i, command] of commands.entries()) {
    if (command.host !== undefined && command.host !== host) return 'no';
    if (command.once !== undefined) return 'no';
    // Forgiven or not is known only once the engine read the output: the
    // step's later commands must not be sent with it.
    if (command.okIfOutput !== undefined && i < commands.length - 1) return 'no';
  }
  if (commands.at(-1)?.okIfOutput !== undefined) return 'last';
  if (item.handler?.ready !== undefined || item.rerun !== undefined) return 'last';
  return 'yes';
}

/** One lane's pipeline: which of its steps are already in the host's shell. */
export class LanePipeline<W extends PipelineCandidate> {
  readonly #lane: readonly W[];
  readonly #host: string;
  readonly #shells: ShellSessions;
  /** Whether the step at a position goes in a many-at-once write (never sent ahead). */
  readonly #grouped: (at: number) => boolean;
  /** Lane positions before this one are in the shell (or were run by the engine). */
  #sent = 0;
  /** Commands each sent position holds. */
  readonly #commands: number[] = [];
  /** A sent step nothing may follow until it finished. */
  #lastAt = -1;

  constructor(lane: readonly W[], host: string, shells: ShellSessions, grouped: (at: number) => boolean) {
    this.#lane = lane;
    this.#host = host;
    this.#shells = shells;
    this.#grouped = grouped;
  }

  /** The first position not sent ahead. */
  get sent(): number {
    return this.#sent;
  }

  /** Sends the steps from `next` (the one the engine runs now) on, as far as the rules and the depth allow. */
  async fill(next: number): Promise<void> {
    if (this.#sent < next) this.#sent = next;
    if (this.#lastAt >= next) return;
    let ahead = 0;
    for (let at = next; at < this.#sent; at++) ahead += this.#commands[at] ?? 0;
    while (this.#sent < this.#lane.length && ahead < PIPELINE_DEPTH) {
      const at = this.#sent;
      const item = this.#lane[at]!;
      const role = pipelineRole(item, this.#host);
      if (role === 'no' || this.#grouped(at)) return;
      const commands = item.operation!.commands;
      if (!(await this.#shells.send(this.#host, commands))) return;
      this.#commands[at] = commands.length;
      ahead += commands.length;
      this.#sent = at + 1;
      if (role === 'last') {
        this.#lastAt = at;
        return;
      }
    }
  }

  /** Whether the next step sent ahead and not yet run by the engine ran on the host. */
  ran(): Promise<boolean> {
    return this.#shells.ran(this.#host);
  }
}
