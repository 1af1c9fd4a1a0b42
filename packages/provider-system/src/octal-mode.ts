import { z } from 'zod';

/**
 * File modes are octal strings as `install -m` / `chmod` take them: `644`,
 * `0644`, `4755`. State keeps the spelling the config used; comparisons are by
 * value, so `644` and `0644` are the same mode.
 */
export const octalModeSchema = z
  .string()
  .regex(/^[0-7]{3,4}$/, 'expected an octal mode of 3 or 4 digits, e.g. "0644"');

/** The numeric value of an octal mode string, or undefined when it is not one. */
export function modeValue(mode: string): number | undefined {
  return /^[0-7]{1,4}$/.test(mode) ? Number.parseInt(mode, 8) : undefined;
}

/** True when two mode strings denote the same permission bits. */
export function sameMode(a: string, b: string): boolean {
  const va = modeValue(a);
  return va !== undefined && va === modeValue(b);
}

/** The 4-digit form (`0644`) of a mode `stat -c %a` printed (`644`). */
export function fourDigitMode(mode: string): string {
  return mode.padStart(4, '0');
}

/**
 * The mode to report for an observation: the prior's own spelling when it is
 * the same mode (so `644` in state does not drift against `0644` on the host),
 * otherwise the 4-digit form of what the host has.
 */
export function observedMode(statMode: string, priorMode: unknown): string {
  if (typeof priorMode === 'string' && sameMode(statMode, priorMode)) return priorMode;
  return fourDigitMode(statMode);
}

/**
 * The owner (or group) to report: the prior's spelling when it names the same
 * account by name or by numeric id, otherwise the host's name for it.
 */
export function observedAccount(name: string, id: string, prior: unknown): string {
  if (typeof prior === 'string' && (prior === name || prior === id)) return prior;
  return name;
}
