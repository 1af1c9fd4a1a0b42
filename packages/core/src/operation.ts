import type { StratumError } from './errors';
import type { ExecResult, StdinSource } from './transport';
import type { JsonObject } from './types';

/**
 * A step's work on a host, as data (pyinfra's operations are the model): the
 * commands a create, update or delete runs, in order, plus what to print and
 * what to record once they all succeeded.
 *
 * A kind builds an operation without touching any host; the engine runs it.
 * Because the engine can see every command before it runs, it can run
 * consecutive operations of one host as one round trip, wrap them (sudo),
 * show them, and record exactly which steps finished. Building one may read
 * local files (a directory to upload); it must not reach hosts.
 */
export interface Operation {
  /** The host the step runs on. Steps of one host run one after another, in plan order. */
  readonly host: string;
  /** Run in order; the first that fails (see {@link HostCommand.onFailure}) stops the step. */
  readonly commands: readonly HostCommand[];
  /**
   * Lines to print once every command succeeded (`[system] FILE ...`). The
   * engine scrubs known secrets out of them, but a kind should still name
   * things (paths, names, counts) rather than print attribute values.
   */
  readonly trace?: readonly string[];
  /**
   * Warnings to print once every command succeeded: something the step did
   * not do that the operator should know (a file it could not upload). Scrubbed
   * like trace lines.
   */
  readonly warnings?: readonly string[];
  /**
   * The attrs to record in state, from the commands' results, one per command
   * in order — `undefined` for a command that did not run (a
   * {@link HostCommand.once} command that already ran this run). Called once
   * every command succeeded; a delete's value is ignored. May throw a
   * `StratumError` when the output is not what the kind expects: the step then
   * fails and nothing is recorded. Default: the parsed desired attrs.
   */
  readonly record?: (results: readonly (ExecResult | undefined)[]) => JsonObject;
  /**
   * This step's place in a {@link VectorWriter}'s write: consecutive steps of
   * one host whose operations name the same writer may be carried out by one
   * write for all of them (a hundred files in one tar stream) instead of one
   * command each. The operation's own `commands` stay the truth: they run
   * whenever the write cannot vouch for this step.
   */
  readonly vector?: OperationVectorItem | undefined;
}

/** A step's place in a {@link VectorWriter}'s write; see {@link Operation.vector}. */
export interface OperationVectorItem {
  readonly writer: VectorWriter;
  /** What the writer needs of this step (a path, a mode, the content); opaque to the engine. */
  readonly arg: unknown;
}

/**
 * Does the work of many steps of one kind on one host in a few commands, where
 * one command per step would pay a process (and a round trip) per step — the
 * apply side of a probe's `VectorReader`.
 *
 * A vector write is an optimisation, never a different result: for each step
 * it either vouches that the step's own operation would have succeeded (the
 * host now holds exactly what that step asks for, read back by the write
 * itself) or says nothing, and the engine then runs that step's own commands
 * as it always would — so a failing step fails with its own command's error,
 * at its turn. The engine only groups steps with no edges between them, no
 * readiness wait and nothing else to run, so the order a write does them in
 * cannot matter.
 */
export interface VectorWriter {
  /** Which writer this is; operations naming the same id (and host) are grouped. */
  readonly id: string;
  /** The most steps one write takes. Default 256. */
  readonly max?: number | undefined;
  /**
   * The commands that do every step's work, in order. All of them run,
   * whatever their exit codes (`onFailure` and `okIfOutput` are not read):
   * {@link split} judges from what they printed.
   */
  commands(host: string, args: readonly unknown[]): readonly HostCommand[];
  /**
   * Per arg, in order: the result the step's own operation's single command
   * would have had (exit 0: the step is done), or `undefined` when the write
   * cannot vouch for it. Must not throw.
   */
  split(results: readonly ExecResult[], args: readonly unknown[]): readonly (ExecResult | undefined)[];
}

/** One command of an {@link Operation}. */
export interface HostCommand {
  /**
   * Shell text for the remote user's shell. It may hold secret plaintext (an
   * exported env value): the engine never prints or records it.
   */
  readonly command: string;
  /** What the command does, in words, for messages: `apt-get install nginx`. Never the command line. */
  readonly step: string;
  /** The host to run on, when it is not the operation's (cleaning up where a resource used to be). */
  readonly host?: string | undefined;
  /**
   * Bytes for the command's stdin — file content travels here, never in the
   * command line. A function is called only when the command runs, so a stream
   * (which can be read once) is made fresh for every run.
   */
  readonly stdin?: StdinSource | (() => StdinSource) | undefined;
  /** Kill the command after this long; the transport's default otherwise. */
  readonly timeoutMs?: number | undefined;
  /**
   * What a non-zero exit means: `fail` (the default) stops the step with a
   * `CommandFailedError`; `warn` prints
   * `<addr>: <step> on <host> failed (exit N); ignored: <last output line>` and
   * goes on; `ignore` goes on silently.
   */
  readonly onFailure?: 'fail' | 'warn' | 'ignore' | undefined;
  /**
   * Output (stdout and stderr) that turns a non-zero exit into success: the
   * goal already holds (`No such container` for a removal).
   */
  readonly okIfOutput?: RegExp | undefined;
  /** What the operator can do when the command fails. */
  readonly hint?: string | undefined;
  /**
   * Values to mask in the command's output before it reaches an error or a
   * warning (env values and build args may be secrets the config did not mark).
   * Values shorter than 4 characters are left alone.
   */
  readonly sensitive?: readonly string[] | undefined;
  /**
   * Commands carrying the same key run once per host per run (`apt-get update`
   * before the first install): later ones are skipped while the first
   * succeeded; after a failure the next one tries again.
   */
  readonly once?: string | undefined;
  /**
   * Read-only commands whose output explains a failure (`systemctl status`),
   * run only after this command failed; their output is added to the error.
   */
  readonly explain?: readonly ExplainCommand[] | undefined;
}

/** A diagnostic command run after a failure; see {@link HostCommand.explain}. */
export interface ExplainCommand {
  readonly command: string;
  /** The heading its output gets in the error (`systemctl status`). */
  readonly title: string;
  /** How many trailing lines of its output to keep. Default 20. */
  readonly lines?: number | undefined;
}

/**
 * How a resource becomes ready after a create or update, before the next step
 * runs (a container passing its healthcheck).
 */
export type Readiness =
  /** Give the host a moment (docker wiring networks and volumes). */
  | { readonly type: 'pause'; readonly ms: number }
  /** Ask the host until the answer is ready, failed, or the polls run out. */
  | ReadinessPoll;

export interface ReadinessPoll {
  readonly type: 'poll';
  readonly host: string;
  /** A read-only command asked once per poll. */
  readonly command: string;
  /** Pause between polls. Default 1000 ms. */
  readonly intervalMs?: number | undefined;
  /** Polls before giving up. Default 60. */
  readonly maxPolls?: number | undefined;
  /** One poll's verdict. `poll` counts from 1. Must not throw. */
  check(result: ExecResult, poll: number): ReadinessVerdict;
  /** The error when every poll said `waiting`; `last` is the last result. */
  timedOut(last: ExecResult | undefined, polls: number): StratumError;
}

export type ReadinessVerdict = 'ready' | 'waiting' | { readonly failed: StratumError };
