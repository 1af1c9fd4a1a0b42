import { fileURLToPath } from 'node:url';
import { type RunOptions, type RunResult, run } from './process';
import { TestkitError } from './testkit-error';

const ENSURE_SCRIPT = fileURLToPath(new URL('../scripts/ensure-dockerd.sh', import.meta.url));

let engine: Promise<void> | undefined;

/**
 * Returns once a docker engine answers `docker info`, starting Debian's `dockerd`
 * if none does (scripts/ensure-dockerd.sh). An engine started this way is left
 * running for the machine, so later test runs reuse it; see
 * docs/contributing/test-hosts.md for why. Memoized per process; a failure is not
 * cached, so a later call tries again.
 */
export function ensureDockerEngine(): Promise<void> {
  engine ??= startEngine().catch((error: unknown) => {
    engine = undefined;
    throw error;
  });
  return engine;
}

async function startEngine(): Promise<void> {
  const result = await run('bash', [ENSURE_SCRIPT], { timeoutMs: 120_000 });
  if (result.code === 0) return;
  const reason = lastLine(result.stderr) ?? `exit code ${result.code}`;
  throw new TestkitError('DockerUnavailable', `no docker engine: ${reason.replace(/^\[dockerd\] /, '')}`, {
    hint:
      result.code === 3
        ? 'Install Debian docker.io (scripts/setup.sh does) and run the tests as root, or start a docker engine yourself.'
        : 'See the dockerd log above (~/.cache/stratum/dockerd.log).',
    detail: result.code === 3 ? '' : result.stderr,
  });
}

function lastLine(text: string): string | undefined {
  return text
    .trim()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .at(-1);
}

/** Whether docker-backed tests can run here, and if not, why. */
export type DockerAvailability = { ok: true } | { ok: false; reason: string };

/**
 * Tries to get an engine answering (starting one if needed) and reports whether
 * that worked; never throws. Use it to decide whether to skip a tier; use
 * `dockerTier` in test files, which also enforces "never skip in CI".
 */
export async function dockerAvailable(): Promise<DockerAvailability> {
  try {
    await ensureDockerEngine();
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

/** Whether a tier of tests runs, and why not when it does not. */
export interface TierDecision {
  run: boolean;
  reason?: string;
}

/**
 * Decides whether docker-backed tests run. With `CI` set they always run, and an
 * engine that cannot start throws here, failing the test file loudly. Locally
 * they are skipped, with the reason printed, only when no engine can run.
 *
 * ```ts
 * const tier = await dockerTier();
 * describe.skipIf(!tier.run)('docker_container', () => { ... });
 * ```
 */
export async function dockerTier(): Promise<TierDecision> {
  if (isCi()) {
    await ensureDockerEngine();
    return { run: true };
  }
  const availability = await dockerAvailable();
  if (availability.ok) return { run: true };
  console.warn(`[testkit] skipping docker tests: ${availability.reason}`);
  return { run: false, reason: availability.reason };
}

/** True when the `CI` environment variable is set to anything but "", "0" or "false". */
export function isCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Runs the docker CLI and throws `CommandFailed` (with docker's stderr) on a
 * non-zero exit. Pass `check: false` to get the result whatever the exit code.
 */
export function docker(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run('docker', args, { timeoutMs: 120_000, check: true, ...options });
}
