import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { run } from '../process';

/** Runs src/__fixtures__/leaky-worker.fixture.ts in a child vitest; returns what it wrote. */
export async function runLeakyWorker(file: string, env: Record<string, string> = {}): Promise<string> {
  const vitest = resolve(import.meta.dirname, '../../../../node_modules/vitest/vitest.mjs');
  const config = resolve(import.meta.dirname, 'vitest.leaky.config.ts');
  // The child must not think it is one of this run's workers.
  const clean = {
    VITEST: undefined,
    VITEST_POOL_ID: undefined,
    VITEST_WORKER_ID: undefined,
    TEST: undefined,
  };
  const result = await run(process.execPath, [vitest, 'run', '--config', config], {
    env: { ...clean, LEAK_FILE: file, ...env },
    timeoutMs: 180_000,
  });
  if (result.code !== 0)
    throw new Error(`child vitest failed (${result.code}):\n${result.stdout}${result.stderr}`);
  return readFile(file, 'utf8');
}

/** True while `pid` is a live process (a zombie, dead but not yet reaped, counts as gone). */
export function processRunning(pid: number): boolean {
  try {
    // The state letter follows the command name in parentheses.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
