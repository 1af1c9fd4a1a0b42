import { CommandFailedError, lastLine, outputTail } from '../command-failure';
import type { HostCommand, Operation } from '../operation';
import type { ExecResult, Transport } from '../transport';
import type { JsonObject } from '../types';
import { maskValues } from './mask';
import { type ShellSessions, stopsTheApply } from './shell-session';

/**
 * Remembers, per host, which {@link HostCommand.once} keys already ran in this
 * run. Concurrent askers share the one run; a failed run is forgotten so the
 * next command with the key tries again.
 */
export class OnceMemo {
  readonly #runs = new Map<string, Promise<ExecResult>>();

  /** Runs `run` unless a command with `key` already ran (or is running) on `host`; undefined when it did. */
  async run(host: string, key: string, run: () => Promise<ExecResult>): Promise<ExecResult | undefined> {
    const slot = `${host}\0${key}`;
    const existing = this.#runs.get(slot);
    if (existing !== undefined) {
      const earlier = await existing.catch(() => undefined);
      if (earlier?.exitCode === 0) return undefined;
      return this.run(host, key, run);
    }
    const started = run().then((result) => {
      // Only a success counts as done; a failure lets the next command try again.
      if (result.exitCode !== 0) this.#runs.delete(slot);
      return result;
    });
    this.#runs.set(slot, started);
    try {
      return await started;
    } catch (error) {
      this.#runs.delete(slot);
      throw error;
    }
  }
}

/** What {@link runOperation} needs around it. */
export interface RunOperationContext {
  readonly transport: Transport;
  readonly signal: AbortSignal;
  /** The resource address, `<kind>.<name>`, for messages. */
  readonly addr: string;
  /** Shared by every operation of one run. */
  readonly once: OnceMemo;
  /**
   * The run's long-lived shells: commands go through them where they can
   * (see `shell-session.ts`), else each by its own exec.
   */
  readonly shells?: ShellSessions | undefined;
  /** Receives warnings of `onFailure: 'warn'` commands. */
  warn(line: string): void;
}

/** What an operation did. */
export interface OperationOutcome {
  /** One per command, in order; undefined where a `once` command was skipped. */
  readonly results: readonly (ExecResult | undefined)[];
  /** `Operation.record` of the results, when the operation has one. */
  readonly recorded: JsonObject | undefined;
}

/**
 * Runs an operation's commands in order on their hosts and returns what it
 * recorded. The first command that fails (by its `onFailure`, `okIfOutput`)
 * throws a {@link CommandFailedError} naming the resource, the host, the step
 * and the exit code, with the output's tail — its `sensitive` values masked,
 * its `explain` commands' output added. Rejects as the transport does when a
 * command cannot run at all (unreachable host, timeout).
 */
export async function runOperation(
  operation: Operation,
  ctx: RunOperationContext,
): Promise<OperationOutcome> {
  const results: (ExecResult | undefined)[] = [];
  for (const command of operation.commands) {
    ctx.signal.throwIfAborted();
    const host = command.host ?? operation.host;
    const exec = () => execCommand(command, host, ctx);
    const result = command.once === undefined ? await exec() : await ctx.once.run(host, command.once, exec);
    results.push(result);
    if (result !== undefined) await judge(command, host, result, ctx);
  }
  return { results, recorded: operation.record?.(results) };
}

/**
 * Runs one command on `host` through the host's session shell where it can go
 * there, else by its own exec. A non-zero exit is a result, not an error.
 */
export async function execCommand(
  command: HostCommand,
  host: string,
  ctx: Pick<RunOperationContext, 'transport' | 'signal' | 'shells'>,
): Promise<ExecResult> {
  const stdin = typeof command.stdin === 'function' ? command.stdin() : command.stdin;
  const inSession = await ctx.shells?.run(
    host,
    command.command,
    stdin,
    command.step,
    command.timeoutMs,
    stopsTheApply(command),
  );
  return (
    inSession ??
    ctx.transport.exec(host, command.command, { stdin, timeoutMs: command.timeoutMs, signal: ctx.signal })
  );
}

/** Throws or warns for a failed command, per its `onFailure`. */
async function judge(command: HostCommand, host: string, result: ExecResult, ctx: RunOperationContext) {
  if (result.exitCode === 0) return;
  // `search`, not `test`: a pattern written with the `g` flag keeps no state between runs.
  if (
    command.okIfOutput !== undefined &&
    `${result.stdout}\n${result.stderr}`.search(command.okIfOutput) !== -1
  ) {
    return;
  }
  const onFailure = command.onFailure ?? 'fail';
  if (onFailure === 'ignore') return;
  const output = maskValues(
    result.stderr.trim() === '' ? result.stdout : result.stderr,
    command.sensitive ?? [],
  );
  if (onFailure === 'warn') {
    const said = lastLine(output);
    ctx.warn(
      `${ctx.addr}: ${command.step} on ${host} failed (exit ${result.exitCode}); ignored${said === '' ? '' : `: ${said}`}`,
    );
    return;
  }
  throw new CommandFailedError({
    resource: ctx.addr,
    host,
    step: command.step,
    exitCode: result.exitCode,
    output,
    hint: command.hint,
    detail: await explanation(command, host, ctx),
  });
}

/** The output of a failed command's `explain` commands, each under its title; best effort. */
async function explanation(command: HostCommand, host: string, ctx: RunOperationContext): Promise<string> {
  const parts: string[] = [];
  for (const explain of command.explain ?? []) {
    try {
      const result = await ctx.transport.exec(host, explain.command, {
        signal: ctx.signal,
        idempotent: true,
      });
      const text = maskValues(`${result.stdout}${result.stderr}`.trim(), command.sensitive ?? []);
      parts.push(`${explain.title}:\n${outputTail(text, explain.lines ?? 20)}`);
    } catch {
      // The failure itself is what matters; a diagnostic that cannot run adds nothing.
    }
  }
  return parts.join('\n');
}
