import { shellQuote } from '@stratum/core/kit';

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

/**
 * The `once` key of `apt-get update`: the engine runs it once per host per
 * run, before the first install there.
 */
export const APT_UPDATE_ONCE = 'apt-update';

/**
 * apt-get's answer when the package is not in any list. For a removal that
 * already is the goal, so it counts as done.
 */
export const UNKNOWN_PACKAGE = /Unable to locate package/;

export function aptUpdateCommand(): string {
  return `${APT_GET} update`;
}

export function aptInstallCommand(name: string): string {
  return `${APT_GET} install -- ${shellQuote(name)}`;
}

export function aptRemoveCommand(name: string): string {
  return `${APT_GET} remove -- ${shellQuote(name)}`;
}
