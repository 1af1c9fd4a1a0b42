import { type ChildProcess, spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { constants } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestkitError } from './testkit-error';

/**
 * Spawning and waiting helpers for test hosts.
 *
 * This machine's PID 1 reaps orphans late if at all, so every child started
 * here is waited for: `run` waits for its command (killing it on timeout), a
 * service's `stop` kills it and waits. Children still alive when the process
 * ends (normal exit or a termination signal) are killed then; there is no time
 * left to wait for them, but a killed child at least frees its ports and CPU.
 * Children run in their own process group so a kill reaches everything a
 * `sh -c` pipeline started.
 */

/** How a child ended: `code` is the exit code, or 128 + the signal number when a signal ended it. */
export interface ExitInfo {
  code: number;
  signal: NodeJS.Signals | null;
}

export interface RunOptions {
  cwd?: string;
  /** Added to (and overriding) the current environment. */
  env?: Record<string, string | undefined>;
  /** Written to the command's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string | Buffer;
  /** Kill the command after this long (default 60 s). */
  timeoutMs?: number;
  /** Throw `CommandFailed` when the exit code is not 0 (default false: the caller decides). */
  check?: boolean;
}

export interface RunResult extends ExitInfo {
  stdout: string;
  stderr: string;
}

const live = new Set<ChildProcess>();
let liveHookRegistered = false;

function track(child: ChildProcess): void {
  if (!liveHookRegistered) {
    liveHookRegistered = true;
    onProcessEnd(() => {
      for (const c of live) killGroup(c, 'SIGKILL');
    });
  }
  live.add(child);
  child.once('close', () => live.delete(child));
}

/** Why the process is ending: a normal exit, or a termination signal. */
export type ProcessEndReason = 'exit' | 'SIGTERM' | 'SIGINT' | 'SIGHUP';

const TERMINATION_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
const endCleanups = new Set<(reason: ProcessEndReason) => void>();
let endHandlersInstalled = false;
let ended = false;

function runEndCleanups(reason: ProcessEndReason): void {
  if (ended) return;
  ended = true;
  for (const cleanup of endCleanups) {
    try {
      cleanup(reason);
    } catch {
      // One failed cleanup must not keep the others from running.
    }
  }
}

function onTerminationSignal(signal: NodeJS.Signals): void {
  runEndCleanups(signal as ProcessEndReason);
  for (const s of TERMINATION_SIGNALS) process.off(s, onTerminationSignal);
  // Die of the signal as if nobody had listened, unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/**
 * Registers `cleanup` to run once when this process ends: on a normal exit and
 * on SIGTERM, SIGINT or SIGHUP (vitest ends its fork workers with SIGTERM, and a
 * signal death never reaches `exit` handlers). After the cleanups the signal is
 * re-raised, unless another listener handles it. `cleanup` must be synchronous
 * and quick: on SIGTERM vitest sends SIGKILL 500 ms later. Returns an
 * unregister function.
 */
export function onProcessEnd(cleanup: (reason: ProcessEndReason) => void): () => void {
  if (!endHandlersInstalled) {
    endHandlersInstalled = true;
    process.on('exit', () => runEndCleanups('exit'));
    for (const s of TERMINATION_SIGNALS) process.on(s, onTerminationSignal);
  }
  endCleanups.add(cleanup);
  return () => {
    endCleanups.delete(cleanup);
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already (or was never made): signal the child alone.
    child.kill(signal);
  }
}

function exitInfo(code: number | null, signal: NodeJS.Signals | null): ExitInfo {
  if (code !== null) return { code, signal: null };
  const number = signal === null ? 0 : (constants.signals[signal] ?? 0);
  return { code: 128 + number, signal };
}

/** The last `limit` characters of text, for error details. */
export function tail(text: string, limit = 4000): string {
  return text.length <= limit ? text : `…${text.slice(text.length - limit)}`;
}

function describeCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/**
 * Runs a command to completion and returns its exit code and output. A non-zero
 * exit is data, not an exception, unless `check` is set. On timeout the command's
 * process group gets SIGTERM, then SIGKILL two seconds later, and `run` rejects
 * with `CommandTimeout` once the command has really exited.
 */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const shown = describeCommand(cmd, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    track(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (options.input !== undefined && child.stdin) {
      // A command that exits without reading all its input makes the write fail; its exit code says why.
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), 2000);
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      reject(
        new TestkitError('CommandFailed', `cannot run ${shown}: ${error.message}`, {
          hint: `Check that ${cmd} is installed (scripts/setup.sh installs the test hosts' Debian packages).`,
          cause: error,
        }),
      );
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      const result: RunResult = {
        ...exitInfo(code, signal),
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (timedOut) {
        reject(
          new TestkitError('CommandTimeout', `${shown} did not finish within ${timeoutMs} ms`, {
            hint: 'The command was killed; its output so far is below.',
            detail: tail(result.stderr || result.stdout),
          }),
        );
      } else if (options.check && result.code !== 0) {
        reject(
          new TestkitError('CommandFailed', `${shown} exited with code ${result.code}`, {
            detail: tail(result.stderr || result.stdout),
          }),
        );
      } else {
        resolve(result);
      }
    });
  });
}

export interface ServiceOptions {
  /** A short name for messages, e.g. "git daemon". */
  name: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Resolves true once the service is usable; polled every 50 ms until `readyTimeoutMs`. */
  ready?: () => Promise<boolean>;
  /** How long `ready` may take to say yes (default 30 s). */
  readyTimeoutMs?: number;
  /** How long `stop` waits after SIGTERM before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
}

/** A long-running child. Always `stop()` it; a test's `afterAll` is the place. */
export interface Service {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited and been reaped. */
  readonly exited: Promise<ExitInfo>;
  /** The last 64 KiB of its combined stdout and stderr. */
  output(): string;
  /** SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves once the process is reaped. Idempotent. */
  stop(): Promise<ExitInfo>;
}

const OUTPUT_LIMIT = 64 * 1024;

/**
 * Starts a long-running child and resolves once `ready` says so. The child gets
 * SIGKILL from the kernel if this process dies without stopping it (setpriv's
 * parent-death signal), so a crashed test run leaves no server holding a port.
 * Rejects with `ServiceExited` if the child exits before it is ready, or
 * `ServiceNotReady` (after stopping it) if it never becomes ready.
 */
export async function spawnService(
  cmd: string,
  args: readonly string[],
  options: ServiceOptions,
): Promise<Service> {
  const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', cmd, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT * 2) output = output.slice(output.length - OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let spawnError: Error | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      spawnError = error;
      // 'close' does not follow a failed spawn.
      if (child.pid === undefined) resolve({ code: 127, signal: null });
    });
    child.once('close', (code, signal) => resolve(exitInfo(code, signal)));
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const stopTimeoutMs = options.stopTimeoutMs ?? 5000;
  let stopping: Promise<ExitInfo> | undefined;
  const service: Service = {
    name: options.name,
    pid: child.pid ?? -1,
    exited,
    output: () => tail(output, OUTPUT_LIMIT),
    stop() {
      stopping ??= (async () => {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), stopTimeoutMs);
        const info = await exited;
        clearTimeout(timer);
        return info;
      })();
      return stopping;
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (hasExited) {
      const info = await exited;
      throw new TestkitError(
        'ServiceExited',
        spawnError
          ? `cannot start ${options.name} (${cmd}): ${spawnError.message}`
          : `${options.name} exited with code ${info.code} before it was ready`,
        { hint: `Check that ${cmd} is installed and its arguments are valid.`, detail: tail(output) },
      );
    }
    if (options.ready === undefined || (await options.ready().catch(() => false))) return service;
    if (Date.now() > deadline) {
      await service.stop();
      throw new TestkitError(
        'ServiceNotReady',
        `${options.name} was not ready within ${options.readyTimeoutMs ?? 30_000} ms`,
        {
          hint: 'It was stopped; its output is below.',
          detail: tail(output),
        },
      );
    }
    await sleep(50);
  }
}

export interface PollOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Pause between attempts (default 100 ms). */
  intervalMs?: number;
}

/**
 * Calls `attempt` until it returns a value other than `undefined`, and returns
 * that value; returns `undefined` when `timeoutMs` passes first. An attempt that
 * throws counts as "not yet".
 */
export async function pollUntil<T>(
  attempt: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await attempt().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(options.intervalMs ?? 100);
  }
}

/** Resolves once `path` exists; throws when it has not appeared within `timeoutMs` (e.g. a command's marker file). */
export async function waitForFile(path: string, timeoutMs = 5000): Promise<void> {
  const seen = await pollUntil(() => access(path).then(() => true), { timeoutMs, intervalMs: 10 });
  if (!seen) throw new TestkitError('CommandTimeout', `${path} did not appear within ${timeoutMs} ms`);
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Another process may take
 * it before the caller binds it, so servers started on it retry on a clash.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port assigned'));
      });
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function tcpAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
