import { constants } from 'node:os';
import type { ExecResult, StdinSource } from '@stratum/core';
import type { ClientChannel } from 'ssh2';
import { CommandTimeoutError, ConnectionLostError, commandSummary, SshError } from './errors';

export interface ChannelRunOptions {
  target: string;
  command: string;
  stdin: StdinSource | undefined;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  /** Receives stdout as it arrives; the result's stdout is then empty. */
  onStdout?: ((text: string) => void) | undefined;
  /** Aborted when the connection carrying the channel closes. */
  lost: AbortSignal;
  /** How long to wait for the server to confirm the close of a killed channel before giving up on it (default 1 s). */
  killGraceMs?: number;
}

export interface ChannelRun {
  /** The command's result, or why it has none. */
  result: Promise<ExecResult>;
  /**
   * Settles when the channel no longer counts against the server's session
   * limit: when the server closed it, or when a killed command's close did not
   * come within the grace period.
   */
  closed: Promise<void>;
}

/** Exit status for a command killed by a signal, as a POSIX shell reports it. */
function signalExitCode(signal: string | undefined): number {
  const name = (signal ?? '').replace(/^(SIG)?/, 'SIG') as keyof typeof constants.signals;
  const number = constants.signals[name];
  return number === undefined ? 255 : 128 + number;
}

/**
 * Runs one command on an opened exec channel: streams stdin in (honouring
 * backpressure, then EOF), collects stdout and stderr as UTF-8 (a streaming
 * decoder, so characters split across packets survive), and enforces the
 * timeout and the abort signal by sending KILL and closing the channel.
 */
export function runOnChannel(channel: ClientChannel, opts: ChannelRunOptions): ChannelRun {
  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => {
    closedResolve = r;
  });
  const result = new Promise<ExecResult>((resolve, reject) => {
    const outDecoder = new TextDecoder();
    const errDecoder = new TextDecoder();
    let stdout = '';
    let stderr = '';
    let exitCode: number | undefined;
    let failure: Error | undefined;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      opts.lost.removeEventListener('abort', onLost);
      const rest = outDecoder.decode();
      if (opts.onStdout === undefined) stdout += rest;
      else if (rest !== '') opts.onStdout(rest);
      stderr += errDecoder.decode();
      if (failure) reject(failure);
      else if (exitCode !== undefined) resolve({ exitCode, stdout, stderr });
      else if (opts.lost.aborted)
        reject(new ConnectionLostError(opts.target, opts.command, true, opts.lost.reason));
      // The server closed the channel without an exit status (it could not start the
      // shell, say): 255, as the ssh client reports it.
      else resolve({ exitCode: 255, stdout, stderr });
    };

    const kill = (why: Error) => {
      failure ??= why;
      sendKill(channel);
      channel.close();
      // sshd confirms the close only once the command has exited. If KILL did not
      // reach it (OpenSSH does not deliver signals to root sessions), stop waiting
      // after a grace period and free the slot; should sshd still count the
      // session, the next channel open is refused and retried.
      graceTimer = setTimeout(() => {
        closedResolve();
        finish();
      }, opts.killGraceMs ?? 1000);
    };

    const timer = setTimeout(
      () => kill(new CommandTimeoutError(opts.target, opts.command, opts.timeoutMs)),
      opts.timeoutMs,
    );
    const onAbort = () =>
      kill(
        new SshError(
          'CommandAborted',
          `ssh: command \`${commandSummary(opts.command)}\` on ${opts.target} was interrupted`,
          {
            target: opts.target,
            cause: opts.signal?.reason,
            hint: 'The command was sent KILL; check the host if it was making a change.',
          },
        ),
      );
    const onLost = () => {
      failure ??= new ConnectionLostError(opts.target, opts.command, true, opts.lost.reason);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    opts.lost.addEventListener('abort', onLost, { once: true });

    channel.on('data', (chunk: Buffer) => {
      const text = outDecoder.decode(chunk, { stream: true });
      if (opts.onStdout === undefined) stdout += text;
      else opts.onStdout(text);
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      stderr += errDecoder.decode(chunk, { stream: true });
    });
    channel.on('exit', (code: number | null, signal?: string) => {
      exitCode = code ?? signalExitCode(signal);
    });
    // Write errors after the remote side went away surface as a missing exit status.
    channel.on('error', () => undefined);
    channel.on('close', () => {
      closedResolve();
      finish();
    });

    pumpStdin(channel, opts.stdin).catch((err: unknown) => {
      kill(
        new SshError(
          'StdinFailed',
          `ssh: the stdin stream for \`${commandSummary(opts.command)}\` on ${opts.target} failed: ${err instanceof Error ? err.message : String(err)}`,
          {
            target: opts.target,
            cause: err,
            hint: 'The command got KILL before its input was complete; fix the source of the stream and run again.',
          },
        ),
      );
    });
  });
  return { result, closed };
}

/** The ssh2 internals `sendKill` needs; see there. */
interface ChannelInternals {
  outgoing?: { id: number; state: string };
  _client?: { _protocol?: { signal(id: number, name: string): void } };
}

/**
 * Sends the `signal` channel request for KILL. OpenSSH's sshd delivers it to the
 * command's process group, but only for sessions of non-root users (a root
 * session has no privilege-separated child, and sshd refuses: "session
 * signalling requires privilege separation"); there the command keeps running
 * until it ends by itself. ssh2's public `channel.signal()` sends nothing once
 * stdin has been closed (it checks `writable`), which it always is here, so we
 * call the protocol method it wraps, under the same condition it checks otherwise.
 */
function sendKill(channel: ClientChannel): void {
  const internals = channel as unknown as ChannelInternals;
  const outgoing = internals.outgoing;
  const protocol = internals._client?._protocol;
  try {
    if (outgoing && protocol && (outgoing.state === 'open' || outgoing.state === 'eof')) {
      protocol.signal(outgoing.id, 'KILL');
    } else {
      channel.signal('KILL');
    }
  } catch {
    // The channel is already closing; the close that follows is enough.
  }
}

/** Resolves once the channel can take more data, or has closed. */
function writable(channel: ClientChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.off('drain', done);
      channel.off('close', done);
      resolve();
    };
    channel.on('drain', done);
    channel.on('close', done);
  });
}

function isClosed(channel: ClientChannel): boolean {
  return channel.destroyed || !channel.writable;
}

/**
 * Streams `stdin` into the channel, then sends EOF. With no stdin the command
 * sees EOF at once (so `cat` does not wait forever). An async iterable is read
 * one chunk at a time, waiting for 'drain' whenever the channel's buffer is
 * full, so memory stays flat however large the stream; chunks must not be
 * reused by the producer after they are yielded.
 */
async function pumpStdin(channel: ClientChannel, stdin: StdinSource | undefined): Promise<void> {
  if (stdin === undefined) {
    channel.end();
    return;
  }
  if (typeof stdin === 'string' || stdin instanceof Uint8Array) {
    channel.end(typeof stdin === 'string' ? Buffer.from(stdin, 'utf8') : stdin);
    return;
  }
  for await (const chunk of stdin) {
    // The command exited without reading everything: stop, and let the iterator clean up.
    if (isClosed(channel)) return;
    if (chunk.length > 0 && !channel.write(chunk)) await writable(channel);
  }
  if (!isClosed(channel)) channel.end();
}
