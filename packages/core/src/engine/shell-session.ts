import { randomBytes } from 'node:crypto';
import { StratumError } from '../errors';
import type { HostCommand } from '../operation';
import { shellQuote } from '../shell-quote';
import type { ExecResult, StdinSource, Transport } from '../transport';

/**
 * One long-lived shell per host for an apply's commands, instead of one exec
 * (a channel, a login shell, an exit status, a close) per command.
 *
 * The engine may send a host's next commands before their turn (a pipeline,
 * see `pipeline.ts`), but it still claims every result in order and judges,
 * records and persists each step before the next is told done. The shell
 * runs what it was sent back to back, behind a gate: once a command whose
 * failure stops the apply failed, everything sent after it reports `skip`
 * instead of running, so a failed step stops the host where the engine
 * would. What this saves is the per-command channel and shell start, and on
 * a real network the round trip between one command and the next.
 *
 * The shell is the remote user's (`$SHELL -s`, what sshd runs a plain exec
 * with), so commands see the same shell as before. What it reads:
 *
 * ```sh
 * __stratum_m=$(printf '__STRATUM_RUN_%s' '<nonce>') || exit 1   # prelude, once
 * __stratum_e=$(mktemp) || exit 1
 * trap 'rm -f "$__stratum_e"' EXIT
 * printf '%s ready\n' "$__stratum_m" || exit 1
 *
 * if [ "$__stratum_ok" = 1 ]; then                             # __stratum_ok=1 in the prelude
 *   ( eval '<command 0>' ) </dev/null 2>"$__stratum_e"          # a command without stdin
 *   __stratum_s=$?
 *   [ "$__stratum_s" -eq 0 ] || __stratum_ok=0                 # when its failure stops the apply
 *   printf '\n%s %d %d\n' "$__stratum_m" 0 "$__stratum_s" || exit 1
 *   [ ! -s "$__stratum_e" ] || cat -- "$__stratum_e" || exit 1
 *   printf '\n%s %d end\n' "$__stratum_m" 0 || exit 1
 * else
 *   printf '\n%s %d skip\n' "$__stratum_m" 0 || exit 1
 * fi
 *
 * ( eval '<command 1>' ) 2>"$__stratum_e" <<'__STRATUM_IN_<nonce>'  # stdin, text
 * <its stdin, as it is>
 * __STRATUM_IN_<nonce>
 * base64 -d <<'__STRATUM_IN_<nonce>' | ( eval '<command 2>' ) 2>"$__stratum_e"
 * <its stdin, base64>                                           # stdin, any bytes
 * __STRATUM_IN_<nonce>
 * ...
 * ```
 *
 * Why each piece:
 * - the sentinel is joined at run time from a random nonce, as in a probe
 *   batch: the script text never holds it, so neither a command's output nor
 *   anything that prints the script can forge one;
 * - each sentinel starts with a newline of its own, which the parser removes,
 *   so stdout and stderr come back byte for byte, trailing newline or not;
 * - stderr goes to a file and is printed after the exit status, so the two
 *   streams stay apart as they are with an exec;
 * - stdin travels in a here-document: a shell reads its script in blocks,
 *   so bytes for a command cannot simply follow the command on the same
 *   stream. Text that ends in a newline goes as it is (the delimiter holds
 *   the nonce, so no line of it can end the document early); anything else
 *   base64, decoded on the host. Streams, input over a few KiB and input that
 *   holds a known secret are sent by a plain exec instead (see
 *   {@link ShellSessions.run}): a shell may keep a here-document in a
 *   temporary file, and a secret must never touch the host's disk but where
 *   the kind puts it;
 * - every `printf` exits the shell if it cannot write: should the operator's
 *   side vanish, the shell stops at its next report rather than running on
 *   through what it was sent.
 */

const PREFIX = '__STRATUM_RUN_';

/** The command the session shell is started with. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
export const SESSION_COMMAND = 'exec "${SHELL:-/bin/sh}" -s';

/**
 * Stdin above this many bytes is sent by its own exec. A shell reading its
 * script from a pipe reads it a byte at a time (so that a command reading
 * stdin gets what follows), here-documents included: measured on loopback, a
 * 360 KB here-document took 0.9 s to pass, where an exec with any stdin up to
 * 256 KiB costs about 17 ms. Above a few KiB the exec wins.
 */
export const SESSION_STDIN_MAX = 4096;

/** How long one command in a session may run, as with an exec's default timeout. */
export const SESSION_COMMAND_TIMEOUT_MS = 10 * 60_000;

/** Longest a session waits for its shell to exit once its last command is done. */
const CLOSE_GRACE_MS = 5_000;

/** The script that starts a session: it prints `<sentinel> ready` once the shell runs it. */
export function sessionPrelude(nonce: string): string {
  checkNonce(nonce);
  return [
    `__stratum_m=$(printf '${PREFIX}%s' '${nonce}') || exit 1`,
    '__stratum_e=$(mktemp) || exit 1',
    `trap 'rm -f "$__stratum_e"' EXIT`,
    '__stratum_ok=1',
    `printf '%s ready\\n' "$__stratum_m" || exit 1`,
    '',
  ].join('\n');
}

/**
 * The script that runs command `index` with `stdin` and reports its exit
 * status, stdout and stderr. Bytes, since stdin may be any bytes.
 */
export function sessionCommand(
  index: number,
  command: string,
  stdin: Uint8Array | undefined,
  nonce: string,
  stops = false,
): Buffer {
  checkNonce(nonce);
  const run = `( eval ${shellQuote(command)} )`;
  const end = `__STRATUM_IN_${nonce}`;
  // The gate: once a command that stops the apply failed, the commands sent
  // after it (a pipeline) report `skip` instead of running.
  const parts: (string | Uint8Array)[] = ['if [ "$__stratum_ok" = 1 ]; then\n'];
  parts.push(
    ...(stdin === undefined
      ? [`${run} </dev/null 2>"$__stratum_e"\n`]
      : literalSafe(stdin)
        ? // Text ending in a newline, without NUL: the here-document carries it as it is, one process fewer.
          [`${run} 2>"$__stratum_e" <<'${end}'\n`, stdin, `${end}\n`]
        : [
            `base64 -d <<'${end}' | ${run} 2>"$__stratum_e"\n`,
            `${base64Lines(stdin).join('\n')}\n`,
            `${end}\n`,
          ]),
  );
  // Without stderr (the usual case) the whole report is one write: a server
  // that leaves Nagle on for exec sessions would otherwise hold the second
  // small write until the first is acknowledged.
  parts.push(
    [
      '__stratum_s=$?',
      ...(stops ? ['[ "$__stratum_s" -eq 0 ] || __stratum_ok=0'] : []),
      'if [ -s "$__stratum_e" ]; then',
      `  printf '\\n%s %d %d\\n' "$__stratum_m" ${index} "$__stratum_s" || exit 1`,
      '  cat -- "$__stratum_e" || exit 1',
      `  printf '\\n%s %d end\\n' "$__stratum_m" ${index} || exit 1`,
      'else',
      `  printf '\\n%s %d %d\\n\\n%s %d end\\n' "$__stratum_m" ${index} "$__stratum_s" "$__stratum_m" ${index} || exit 1`,
      'fi',
      'else',
      `  printf '\\n%s %d skip\\n' "$__stratum_m" ${index} || exit 1`,
      'fi',
      '',
    ].join('\n'),
  );
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part, 'utf8') : part)));
}

/**
 * Whether a here-document can carry `bytes` unchanged: it always ends in a
 * newline, and shells drop NUL bytes. (No line can end it early: the
 * delimiter holds the session's random nonce.)
 */
function literalSafe(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && bytes[bytes.byteLength - 1] === 0x0a && !bytes.includes(0);
}

function base64Lines(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const lines: string[] = [];
  for (let at = 0; at < text.length; at += 76) lines.push(text.slice(at, at + 76));
  return lines;
}

function checkNonce(nonce: string): void {
  if (!/^[0-9a-f]+$/.test(nonce))
    throw new Error(`session nonce must be lowercase hex, got ${JSON.stringify(nonce)}`);
}

/**
 * Takes a session's stdout apart as it arrives: what comes before the
 * `ready` line (a banner a dotfile printed) is dropped, then each command's
 * stdout, exit status and stderr.
 */
export class SessionOutput {
  readonly #sentinel: string;
  #text = '';
  #ready = false;

  constructor(nonce: string) {
    this.#sentinel = `${PREFIX}${nonce}`;
  }

  push(text: string): void {
    this.#text += text;
  }

  /** True once the `ready` line arrived (and from then on). */
  ready(): boolean {
    if (this.#ready) return true;
    const line = `${this.#sentinel} ready\n`;
    const at = this.#text.indexOf(line);
    if (at === -1) return false;
    this.#text = this.#text.slice(at + line.length);
    this.#ready = true;
    return true;
  }

  /**
   * Command `index`'s result once all of it arrived, or `'skip'` when the
   * gate did not run it (an earlier command that stops the apply failed);
   * its text is then consumed.
   */
  take(index: number): ExecResult | 'skip' | undefined {
    if (!this.ready()) return undefined;
    const status = `\n${this.#sentinel} ${index} `;
    const statusAt = this.#text.indexOf(status);
    if (statusAt === -1) return undefined;
    const code = /^(\d{1,10}|skip)\n/.exec(
      this.#text.slice(statusAt + status.length, statusAt + status.length + 12),
    );
    if (code === null) return undefined;
    if (code[1] === 'skip') {
      this.#text = this.#text.slice(statusAt + status.length + code[0].length);
      return 'skip';
    }
    const stderrAt = statusAt + status.length + code[0].length;
    const end = `\n${this.#sentinel} ${index} end\n`;
    const endAt = this.#text.indexOf(end, stderrAt);
    if (endAt === -1) return undefined;
    const result: ExecResult = {
      exitCode: Number(code[1]),
      stdout: this.#text.slice(0, statusAt),
      stderr: this.#text.slice(stderrAt, endAt),
    };
    this.#text = this.#text.slice(endAt + end.length);
    return result;
  }
}

/** A command's stdin as bytes a session can carry, or undefined when it must go by exec. */
export function sessionStdin(stdin: StdinSource | undefined): { bytes: Uint8Array | undefined } | undefined {
  if (stdin === undefined) return { bytes: undefined };
  const bytes =
    typeof stdin === 'string' ? Buffer.from(stdin, 'utf8') : stdin instanceof Uint8Array ? stdin : undefined;
  if (bytes === undefined || bytes.byteLength > SESSION_STDIN_MAX) return undefined;
  return { bytes };
}

/** Whether a failure of `command` stops the apply, so the host's gate skips what was sent after it. */
export function stopsTheApply(command: Pick<HostCommand, 'onFailure' | 'okIfOutput'>): boolean {
  // An `okIfOutput` failure is judged by the engine on the output: the host cannot tell.
  return (command.onFailure ?? 'fail') === 'fail' && command.okIfOutput === undefined;
}

/** A command sent to the shell, until the engine has claimed its result. */
interface Sent {
  readonly index: number;
  readonly command: string;
  readonly stdin: Uint8Array | undefined;
  readonly step: string;
  outcome?: ExecResult | 'skip';
  /** The engine's claim, once it asked for the result. */
  waiter?: { resolve(outcome: ExecResult | 'skip'): void; reject(error: unknown): void } | undefined;
  /** Told whether the command ran, once that is known (see {@link ShellSession.ran}). */
  peek?: ((ran: boolean) => void) | undefined;
}

/** One host's long-lived shell; see the module comment. */
export class ShellSession {
  readonly #host: string;
  readonly #nonce = randomBytes(12).toString('hex');
  readonly #output: SessionOutput;
  readonly #abort = new AbortController();
  readonly #queue: Uint8Array[] = [];
  #wake: (() => void) | undefined;
  #inputEnded = false;
  #next = 0;
  /** Sent and not yet claimed, in the order sent: results come back in that order. */
  readonly #sent: Sent[] = [];
  #ending: { result?: ExecResult; error?: unknown } | undefined;
  /** The transport asked for the channel back: what was sent still runs, nothing more is taken. */
  #preempted = false;
  #onReady: (() => void) | undefined;
  /** Settles when the shell is gone: how it ended, or why it could not run. */
  readonly #done: Promise<{ result?: ExecResult; error?: unknown }>;

  private constructor(transport: Transport, host: string, signal: AbortSignal) {
    this.#host = host;
    this.#output = new SessionOutput(this.#nonce);
    this.#done = transport
      .exec(host, SESSION_COMMAND, {
        stdin: this.#input(),
        onStdout: (text) => this.#received(text),
        signal: AbortSignal.any([signal, this.#abort.signal]),
        // Commands are timed one by one here; the shell itself lives as long as its host's lane.
        timeoutMs: 2 ** 31 - 1,
        // It holds its channel while the host's other commands (a vector write, a
        // stream) need one of their own: the transport may refuse it instead, or
        // ask for the channel back (the host's later commands then go by exec).
        longLived: true,
        onPreempt: () => this.#preempt(),
      })
      .then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
    void this.#done.then((ended) => this.#ended(ended));
  }

  /**
   * Starts a shell on `host`; undefined when none could be had (the shell
   * did not start, the host has no POSIX shell): the caller then runs each
   * command by exec, which reports any real problem (an unreachable host) in
   * its usual words.
   */
  static async open(
    transport: Transport,
    host: string,
    signal: AbortSignal,
  ): Promise<ShellSession | undefined> {
    const session = new ShellSession(transport, host, signal);
    const started = await Promise.race([
      new Promise<boolean>((resolve) => {
        session.#onReady = () => resolve(true);
        session.#write(sessionPrelude(session.#nonce));
      }),
      session.#done.then(() => false),
    ]);
    if (!started) {
      await session.close();
      return undefined;
    }
    return session;
  }

  /**
   * Sends a command ahead of its turn (a pipeline): the shell runs it once
   * the commands before it finished, unless one of them that `stops` failed.
   * Its result waits until {@link run} asks for it with the same command.
   */
  send(command: string, stdin: Uint8Array | undefined, step: string, stops: boolean): void {
    const index = this.#next++;
    this.#sent.push({ index, command, stdin, step });
    this.#write(sessionCommand(index, command, stdin, this.#nonce, stops));
  }

  /**
   * Runs one command and resolves with its result, as `transport.exec` would
   * — the result of the next command {@link send} sent, which must be this
   * one, or else of this one, sent now. Rejects when the shell ends or the
   * connection drops while it runs (it may have run), after `timeoutMs`
   * (killing the shell), and with `NotRun` when the gate skipped it.
   */
  run(
    command: string,
    stdin: Uint8Array | undefined,
    step: string,
    timeoutMs = SESSION_COMMAND_TIMEOUT_MS,
    stops = false,
  ): Promise<ExecResult> {
    if (this.#sent.length === 0) {
      if (this.#ending !== undefined) return Promise.reject(this.#endError(step, 'before'));
      this.send(command, stdin, step, stops);
    }
    const head = this.#sent[0]!;
    if (head.waiter !== undefined) return Promise.reject(new Error('a session runs one command at a time'));
    if (head.command !== command || head.step !== step || !sameBytes(head.stdin, stdin)) {
      return Promise.reject(
        new Error(`the session's next command is for ${head.step}, not ${step}: sent out of order`),
      );
    }
    if (head.outcome === undefined && this.#ending !== undefined) {
      return Promise.reject(this.#endError(step, 'while'));
    }
    return new Promise<ExecResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new StratumError(
          'CommandTimeout',
          `${step} on ${this.#host} did not finish within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
          { hint: 'The shell running it was killed; check the host, then run apply again.' },
        );
        this.#fail(error);
      }, timeoutMs);
      head.waiter = {
        resolve: (outcome) => {
          clearTimeout(timer);
          if (outcome === 'skip') reject(new NotRun(step, this.#host));
          else resolve(outcome);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (head.outcome !== undefined) this.#deliver();
    });
  }

  /**
   * Whether the next command sent and not yet claimed ran (false when the
   * gate skipped it, when none is left, or when the shell ended first).
   */
  ran(): Promise<boolean> {
    const head = this.#sent[0];
    if (head === undefined) return Promise.resolve(false);
    if (head.outcome !== undefined) return Promise.resolve(head.outcome !== 'skip');
    if (this.#ending !== undefined) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const earlier = head.peek;
      head.peek = (ran) => {
        earlier?.(ran);
        resolve(ran);
      };
    });
  }

  /**
   * Whether a command not yet sent may go through this shell: not once the
   * transport asked for the channel back. Commands already sent are still
   * claimed from it.
   */
  get accepting(): boolean {
    return !this.#preempted;
  }

  /** Commands sent and not yet claimed. */
  get pending(): number {
    return this.#sent.length;
  }

  /** Gives the channel back: the shell runs what it was sent, then reads the end of its input and exits. */
  #preempt(): void {
    this.#preempted = true;
    this.#endInput();
  }

  /** Ends the shell's input and waits for it to exit; kills it if it does not within a few seconds. */
  async close(): Promise<void> {
    this.#endInput();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#abort.abort(new Error('the session shell did not exit'));
        resolve();
      }, CLOSE_GRACE_MS);
    });
    await Promise.race([this.#done, late]);
    clearTimeout(timer);
    await this.#done;
  }

  #received(text: string): void {
    this.#output.push(text);
    if (this.#onReady !== undefined && this.#output.ready()) {
      const ready = this.#onReady;
      this.#onReady = undefined;
      ready();
    }
    for (const sent of this.#sent) {
      if (sent.outcome !== undefined) continue;
      const outcome = this.#output.take(sent.index);
      if (outcome === undefined) break;
      sent.outcome = outcome;
      sent.peek?.(outcome !== 'skip');
      sent.peek = undefined;
    }
    if (this.#sent[0]?.waiter !== undefined && this.#sent[0].outcome !== undefined) this.#deliver();
  }

  /** Hands the claimed head its result. */
  #deliver(): void {
    const head = this.#sent.shift()!;
    head.waiter!.resolve(head.outcome!);
  }

  #ended(ending: { result?: ExecResult; error?: unknown }): void {
    this.#ending = ending;
    this.#endInput();
    for (const sent of this.#sent) {
      if (sent.outcome !== undefined) continue;
      sent.peek?.(false);
      sent.peek = undefined;
    }
    const head = this.#sent[0];
    if (head?.waiter === undefined || head.outcome !== undefined) return;
    this.#sent.shift();
    head.waiter.reject(this.#endError(head.step, 'while'));
  }

  #endError(step: string, when: 'while' | 'before'): unknown {
    const { result, error } = this.#ending ?? {};
    if (error !== undefined) return error;
    const said = (result?.stderr ?? '').trim().split('\n').at(-1) ?? '';
    return new StratumError(
      'SessionEnded',
      `the shell on ${this.#host} ended ${when} ${step} ran (exit ${result?.exitCode ?? '?'}${said === '' ? '' : `: ${said.slice(0, 200)}`})`,
      {
        hint: 'The command may have stopped its shell, or the host did; check the host, then run apply again.',
      },
    );
  }

  #fail(error: unknown): void {
    const head = this.#sent[0];
    if (head?.waiter !== undefined) {
      this.#sent.shift();
      head.waiter.reject(error);
    }
    this.#abort.abort(error);
  }

  #write(script: string | Uint8Array): void {
    if (this.#inputEnded) return;
    this.#queue.push(typeof script === 'string' ? Buffer.from(script, 'utf8') : script);
    this.#wake?.();
  }

  #endInput(): void {
    this.#inputEnded = true;
    this.#wake?.();
  }

  async *#input(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = this.#queue.shift();
      if (chunk !== undefined) {
        yield chunk;
        continue;
      }
      if (this.#inputEnded) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** A command sent ahead that the host's gate skipped: a command before it failed. */
export class NotRun extends StratumError<'NotRun'> {
  static override readonly marker: string = '@stratum/core/NotRun';

  constructor(step: string, host: string) {
    super('NotRun', `${step} on ${host} did not run: a command before it failed`, {
      hint: 'the earlier failure is the one to fix',
    });
  }
}

/**
 * The sessions of one apply, one per host, opened on first use and closed
 * when the apply ends. A host whose session could not start gets execs.
 */
export class ShellSessions {
  readonly #transport: Transport;
  readonly #signal: AbortSignal;
  readonly #sessions = new Map<string, Promise<ShellSession | undefined>>();

  readonly #holdsSecret: (text: string) => boolean;

  /**
   * `holdsSecret` says whether a stdin holds a secret the run knows: such
   * input goes by exec, never through a here-document (see the module comment).
   */
  constructor(
    transport: Transport,
    signal: AbortSignal,
    holdsSecret: (text: string) => boolean = () => false,
  ) {
    this.#transport = transport;
    this.#signal = signal;
    this.#holdsSecret = holdsSecret;
  }

  /**
   * Runs a command in `host`'s session. Undefined when it must go by exec:
   * a stream, a very large stdin or one holding a secret, its own timeout,
   * or no session on that host. `stops`: see {@link stopsTheApply}.
   */
  async run(
    host: string,
    command: string,
    stdin: StdinSource | undefined,
    step: string,
    timeoutMs: number | undefined,
    stops = false,
  ): Promise<ExecResult | undefined> {
    const input = this.#sessionInput(stdin, timeoutMs);
    if (input === undefined) return undefined;
    const session = await this.#session(host);
    // A shell that gave its channel back still hands over what it was sent ahead; the rest goes by exec.
    if (session === undefined || (!session.accepting && session.pending === 0)) return undefined;
    return session.run(command, input.bytes, step, SESSION_COMMAND_TIMEOUT_MS, stops);
  }

  /**
   * Sends `commands` to `host`'s shell ahead of their turn, to be claimed by
   * {@link run} in the same order (see `pipeline.ts`). False, sending
   * nothing, when any of them must go by exec or the host has no session.
   */
  async send(host: string, commands: readonly HostCommand[]): Promise<boolean> {
    const inputs = [];
    for (const command of commands) {
      // What the session can carry; which steps may go ahead at all is the engine's rule (`pipeline.ts`).
      // A function's stdin is made when the command runs: not yet.
      if (typeof command.stdin === 'function') return false;
      const input = this.#sessionInput(command.stdin, command.timeoutMs);
      if (input === undefined) return false;
      inputs.push(input.bytes);
    }
    const session = await this.#session(host);
    if (session === undefined || !session.accepting) return false;
    for (const [i, command] of commands.entries()) {
      session.send(command.command, inputs[i], command.step, stopsTheApply(command));
    }
    return true;
  }

  /** Whether the next command sent to `host` ahead of its turn ran; see {@link ShellSession.ran}. */
  async ran(host: string): Promise<boolean> {
    const session = await this.#sessions.get(host);
    return session === undefined ? false : session.ran();
  }

  #sessionInput(stdin: StdinSource | undefined, timeoutMs: number | undefined) {
    const input = timeoutMs === undefined ? sessionStdin(stdin) : undefined;
    if (input === undefined) return undefined;
    if (input.bytes !== undefined && this.#holdsSecret(Buffer.from(input.bytes).toString('utf8')))
      return undefined;
    return input;
  }

  #session(host: string): Promise<ShellSession | undefined> {
    let opening = this.#sessions.get(host);
    if (opening === undefined) {
      opening = ShellSession.open(this.#transport, host, this.#signal);
      this.#sessions.set(host, opening);
    }
    return opening;
  }

  /**
   * Closes the sessions of `hosts`, whose steps are all done: their channels
   * go back to their connections for other hosts' sessions and commands
   * (several hosts may be one connection: aliases of one machine). Never rejects.
   */
  async closeHosts(hosts: Iterable<string>): Promise<void> {
    await Promise.all(
      [...hosts].map(async (host) => {
        const opening = this.#sessions.get(host);
        if (opening === undefined) return;
        this.#sessions.delete(host);
        const session = await opening.catch(() => undefined);
        await session?.close().catch(() => undefined);
      }),
    );
  }

  /** Closes every session; never rejects. */
  async close(): Promise<void> {
    await this.closeHosts([...this.#sessions.keys()]);
  }
}
