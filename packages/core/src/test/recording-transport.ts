import { decodeProbeScript, PROBE_BATCH_COMMAND, type ProbeRun, renderProbeOutput } from '../probe-batch';
import type { ExecOptions, ExecResult, StdinSource, Transport } from '../transport';

/** One command as the responder sees it. */
export interface ExecCall {
  readonly host: string;
  readonly command: string;
  /** What was streamed to stdin, decoded as UTF-8; undefined when nothing was. */
  readonly stdin: string | undefined;
  /** The options passed to `exec` (without `stdin`, which is decoded above). */
  readonly options: Omit<ExecOptions, 'stdin'>;
  /**
   * Set when the call is one probe of a batch, answered on its own: `command` is
   * the probe's snippet. The reply's stdout and stderr become the probe's output.
   */
  readonly probe?: { readonly index: number; readonly count: number } | undefined;
}

/**
 * A responder's answer: a full {@link ExecResult}, a partial one (missing fields
 * default to exit 0 and empty output), or a string (stdout, exit 0).
 */
export type ExecReply = string | Partial<ExecResult>;

/**
 * Decides the result of each command. Return undefined for a command the test
 * did not expect: `exec` then rejects with a message naming it, so a provider
 * running something unplanned fails the test loudly. Throw to simulate a
 * transport failure (unreachable host, timeout).
 */
export type Responder = (call: ExecCall) => ExecReply | undefined | Promise<ExecReply | undefined>;

/** One `exec` call as recorded. */
export interface RecordedExec {
  readonly host: string;
  readonly command: string;
  readonly stdin: string | undefined;
  readonly options: Omit<ExecOptions, 'stdin'>;
  /** For a probe batch: the snippets it carried, in order. */
  readonly probes?: readonly string[] | undefined;
}

/** A {@link Transport} that records every command and answers from a responder. */
export interface RecordingTransport extends Transport {
  /** Every `exec` call so far, in call order (a probe batch is one entry). */
  readonly calls: readonly RecordedExec[];
  /** The calls made to `host`. */
  callsTo(host: string): RecordedExec[];
  /** Just the command strings, optionally of one host. */
  commands(host?: string): string[];
  /** Forgets the recorded calls. */
  clear(): void;
}

/** Options of {@link createRecordingTransport}. */
export interface RecordingTransportOptions {
  /**
   * When true (the default), a probe batch (what `refreshPlan` sends) is taken
   * apart: the responder answers each probe's snippet separately (with
   * `call.probe` set) and the transport assembles the batch's output as a shell
   * would. Set false to see and answer the raw batch script yourself.
   */
  splitProbeBatches?: boolean | undefined;
}

/**
 * An in-memory transport for provider tests: records each command (host,
 * command, stdin as text, options) and asks `responder` for its result.
 *
 * @example
 * ```ts
 * const transport = createRecordingTransport(
 *   respondByCommand([[/^cat \/etc\/motd/, 'hello\n']]),
 * );
 * ```
 */
export function createRecordingTransport(
  responder: Responder = () => undefined,
  options: RecordingTransportOptions = {},
): RecordingTransport {
  const calls: RecordedExec[] = [];
  const split = options.splitProbeBatches ?? true;

  async function answer(call: ExecCall): Promise<ExecResult> {
    const reply = await responder(call);
    if (reply === undefined) {
      const what = call.probe === undefined ? 'command' : `probe ${call.probe.index}`;
      throw new Error(`recording transport: no response for ${what} on ${call.host}: ${call.command}`);
    }
    return toResult(reply);
  }

  return {
    calls,
    callsTo: (host) => calls.filter((call) => call.host === host),
    commands: (host) =>
      calls.filter((call) => host === undefined || call.host === host).map((call) => call.command),
    clear: () => {
      calls.length = 0;
    },
    async exec(host: string, command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
      const { stdin: source, ...rest } = execOptions;
      const stdin = await readStdin(source);
      const batch =
        split && command === PROBE_BATCH_COMMAND && stdin !== undefined
          ? decodeProbeScript(stdin)
          : undefined;
      calls.push({
        host,
        command,
        stdin,
        options: rest,
        ...(batch === undefined ? {} : { probes: batch.scripts }),
      });
      if (batch === undefined) return answer({ host, command, stdin, options: rest });
      const runs: ProbeRun[] = [];
      for (const [index, script] of batch.scripts.entries()) {
        const result = await answer({
          host,
          command: script,
          stdin: undefined,
          options: rest,
          probe: { index, count: batch.scripts.length },
        });
        runs.push({ output: result.stdout + result.stderr, exitCode: result.exitCode });
      }
      return { exitCode: 0, stdout: renderProbeOutput(batch.nonce, runs), stderr: '' };
    },
  };
}

/** A command matcher of {@link respondByCommand}: a substring, a pattern, or a predicate. */
export type CommandMatcher = string | RegExp | ((call: ExecCall) => boolean);

/**
 * A responder from a table: the first rule whose matcher fits the command
 * answers; the reply may be a function of the call. Unmatched commands get
 * `fallback` (by default none, so they fail the test).
 */
export function respondByCommand(
  rules: ReadonlyArray<readonly [CommandMatcher, ExecReply | ((call: ExecCall) => ExecReply | undefined)]>,
  fallback?: Responder,
): Responder {
  return (call) => {
    for (const [matcher, reply] of rules) {
      const hit =
        typeof matcher === 'string'
          ? call.command.includes(matcher)
          : matcher instanceof RegExp
            ? matcher.test(call.command)
            : matcher(call);
      if (hit) return typeof reply === 'function' ? reply(call) : reply;
    }
    return fallback?.(call);
  };
}

function toResult(reply: ExecReply): ExecResult {
  if (typeof reply === 'string') return { exitCode: 0, stdout: reply, stderr: '' };
  return { exitCode: reply.exitCode ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '' };
}

async function readStdin(source: StdinSource | undefined): Promise<string | undefined> {
  if (source === undefined) return undefined;
  if (typeof source === 'string') return source;
  if (source instanceof Uint8Array) return Buffer.from(source).toString('utf8');
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
