import { shellQuote } from '@stratum/core';

/** How long apt-get waits for another apt/dpkg to release its lock (seconds). */
const APT_LOCK_WAIT_S = 600;

/**
 * Every apt-get call: never prompt, keep existing config files on upgrade, and
 * wait for the dpkg lock instead of failing at once. Another apt is often still
 * running: unattended-upgrades on a fresh cloud host's first boot, or the apt of
 * an earlier apply that was interrupted (it goes on after the ssh client dies).
 */
const APT_GET = `DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=${APT_LOCK_WAIT_S}`;

/** apt can take minutes on a slow mirror; the transport's default timeout is for quick commands. */
export const APT_TIMEOUT_MS = 30 * 60_000;

export function aptUpdateCommand(): string {
  return `${APT_GET} update`;
}

export function aptInstallCommand(name: string): string {
  return `${APT_GET} install -- ${shellQuote(name)}`;
}

export function aptRemoveCommand(name: string): string {
  return `${APT_GET} remove -- ${shellQuote(name)}`;
}

/**
 * apt-get's answer when the package is not in any list. For `state = "absent"`
 * that already is the goal, so removal treats it as done.
 */
export function isUnknownPackage(output: string): boolean {
  return /Unable to locate package/.test(output);
}

/**
 * Remembers, per host, that `apt-get update` ran in this process, so it runs
 * once before the first install on each host. Concurrent callers share the
 * one run; a failed run is forgotten so the next install tries again.
 */
export class AptUpdateMemo {
  readonly #runs = new Map<string, Promise<void>>();

  /** Runs `update` unless it already ran (or is running) for `host`. */
  once(host: string, update: () => Promise<void>): Promise<void> {
    const existing = this.#runs.get(host);
    if (existing) return existing;
    const run = update().catch((error: unknown) => {
      this.#runs.delete(host);
      throw error;
    });
    this.#runs.set(host, run);
    return run;
  }
}
