import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { SshTransportOptions } from '../transport';

const FIXTURE = resolve(import.meta.dirname, 'close-then-idle.ts');
const TS_RESOLVE = resolve(import.meta.dirname, '../../bench/ts-resolve.mjs');

export interface IdleOutcome {
  /** True when the child exited by itself after close(); false when it had to be killed. */
  exitedByItself: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs close-then-idle.ts in a fresh Node and waits for it to exit on its own.
 * `graceMs` bounds the whole run (connects, commands, close): a child still
 * alive then is killed and reported as not having exited.
 */
export function runCloseThenIdle(
  options: SshTransportOptions,
  targets: readonly string[],
  graceMs = 60_000,
): Promise<IdleOutcome> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', TS_RESOLVE, FIXTURE], {
      env: { PATH: process.env.PATH, STRATUM_CLOSE_FIXTURE: JSON.stringify({ options, targets }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, graceMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ exitedByItself: !killed, code, stdout, stderr });
    });
  });
}
