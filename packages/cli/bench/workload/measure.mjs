/**
 * Timing: runs of a command as a user runs it, summarised as median and
 * min–max. Children run in their own process group and are killed if the bench
 * ends (ctrl-c, an error) while they run, so none is left behind.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const running = new Set();

/** Kills every child still running (called on exit and on ctrl-c). */
export function killRunning() {
  for (const child of running) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/**
 * Runs `node BIN ARGS` in `ws.dir` with only HOME, PATH and CI set (no ssh
 * agent, no STRATUM_* from the caller): resolves to its wall time in ms, or
 * rejects with its output when it exits non-zero.
 */
export async function timeCli(bin, args, ws, { expectExit = 0 } = {}) {
  return (await runCli(bin, args, ws, { expectExit })).ms;
}

/** As `timeCli`, resolving to `{ ms, stdout }`. */
export function runCli(bin, args, ws, { expectExit = 0 } = {}) {
  return runCommand(process.execPath, [bin, ...args], {
    cwd: ws.dir,
    env: { HOME: ws.home, PATH: process.env.PATH ?? '/usr/bin:/bin', CI: '1' },
    expectExit,
  });
}

export async function timeCommand(cmd, args, options) {
  return (await runCommand(cmd, args, options)).ms;
}

function runCommand(cmd, args, { cwd, env, expectExit = 0 }) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    running.add(child);
    const stdout = [];
    const output = [];
    child.stdout.on('data', (chunk) => {
      stdout.push(chunk);
      output.push(chunk);
    });
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.once('error', (error) => {
      running.delete(child);
      reject(error);
    });
    child.once('close', (code, signal) => {
      const ms = performance.now() - started;
      running.delete(child);
      if (code === expectExit) return resolve({ ms, stdout: Buffer.concat(stdout).toString('utf8') });
      const text = Buffer.concat(output).toString('utf8').trim().split('\n').slice(-30).join('\n');
      reject(
        new Error(`${[cmd, ...args].join(' ')} exited ${code ?? signal} (expected ${expectExit}):\n${text}`),
      );
    });
  });
}

/** `{ median, min, max, runs }` of a list of ms. */
export function summarise(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor((sorted.length - 1) / 2)],
    min: sorted[0],
    max: sorted[sorted.length - 1],
    runs: sorted.length,
  };
}

/**
 * Runs `once` (an async function resolving to ms) `rounds` times after
 * `warmup` unmeasured runs; `before` runs untimed ahead of each. Stops early,
 * after at least one measured run, once `budgetMs` of measured time is spent
 * (the slow scaling points of a slow build would otherwise take many minutes).
 */
export async function sample(
  once,
  { rounds, warmup = 0, before, budgetMs = Number.POSITIVE_INFINITY, label },
) {
  const times = [];
  for (let i = 0; i < warmup + rounds; i++) {
    if (before) await before();
    const ms = await once();
    if (i < warmup) continue;
    times.push(ms);
    if (label)
      process.stderr.write(`  ${label}: run ${times.length}/${rounds} ${(ms / 1000).toFixed(3)} s\n`);
    if (times.reduce((a, b) => a + b, 0) >= budgetMs) break;
  }
  return summarise(times);
}
