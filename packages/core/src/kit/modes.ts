/**
 * Modes and accounts as hosts report them. `stat -c %a` prints `644` where the
 * config may say `0644`, and an owner may be written as a name or an id: these
 * helpers compare by meaning and report in the spelling state already has, so
 * a refresh shows no drift where nothing changed.
 */

/** The numeric value of an octal mode string, or undefined when it is not one. */
export function modeValue(mode: string): number | undefined {
  return /^[0-7]{1,4}$/.test(mode) ? Number.parseInt(mode, 8) : undefined;
}

/** True when two mode strings denote the same permission bits (`644` and `0644`). */
export function sameMode(a: string, b: string): boolean {
  const value = modeValue(a);
  return value !== undefined && value === modeValue(b);
}

/** The 4-digit form (`0644`) of a mode `stat -c %a` printed (`644`). */
export function fourDigitMode(mode: string): string {
  return mode.padStart(4, '0');
}

/**
 * The mode to report for an observation: the prior's own spelling when it is
 * the same mode, otherwise the 4-digit form of what the host has.
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
