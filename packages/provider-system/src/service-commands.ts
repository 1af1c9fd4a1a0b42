import { shellQuote } from '@stratum/core/kit';

/** How long a started unit has to become active. */
export const ACTIVE_WAIT_SECONDS = 10;

export type SystemctlVerb =
  | 'enable'
  | 'disable'
  | 'start'
  | 'stop'
  | 'restart'
  | 'reload'
  | 'try-restart'
  | 'try-reload-or-restart';

/** `systemctl <verb> -- <unit>`. */
export function systemctlCommand(verb: SystemctlVerb, unit: string): string {
  return `systemctl ${verb} -- ${shellQuote(unit)}`;
}

/**
 * One command that waits on the host for the unit to be active: checks once a
 * second for {@link ACTIVE_WAIT_SECONDS} seconds, exits 0 as soon as it is
 * active, and otherwise says so on stderr and exits 1. One round trip instead
 * of ten.
 */
export function waitActiveCommand(unit: string, seconds = ACTIVE_WAIT_SECONDS): string {
  const u = shellQuote(unit);
  return (
    `i=0; while :; do systemctl is-active --quiet -- ${u} && exit 0; ` +
    `[ "$i" -ge ${seconds} ] && { printf '%s was not active after %ss\\n' ${u} ${seconds} >&2; exit 1; }; ` +
    'i=$((i+1)); sleep 1; done'
  );
}

/** What the operator needs when a unit would not start: its status, then its journal. */
export function statusCommand(unit: string): string {
  return `systemctl status --no-pager -n 20 -- ${shellQuote(unit)}`;
}

export function journalCommand(unit: string): string {
  return `journalctl -u ${shellQuote(unit)} --no-pager -n 50`;
}

/** `systemctl disable --now -- <unit>`: the delete. */
export function disableNowCommand(unit: string): string {
  return `systemctl disable --now -- ${shellQuote(unit)}`;
}

/**
 * Prints `enabled=<is-enabled>` and `active=<is-active>` in one round trip, or
 * `NO_SYSTEMCTL` on a host without systemd's CLI.
 */
export function serviceProbeScript(unit: string): string {
  const u = shellQuote(unit);
  return [
    'command -v systemctl >/dev/null 2>&1 || { echo NO_SYSTEMCTL; exit 0; }',
    `printf 'enabled=%s\\n' "$(systemctl is-enabled -- ${u} 2>/dev/null)"`,
    `printf 'active=%s\\n' "$(systemctl is-active -- ${u} 2>/dev/null)"`,
  ].join('\n');
}

/** `is-enabled` answers that mean the unit starts at boot. */
const ENABLED = new Set(['enabled', 'enabled-runtime']);
/** `is-active` answers that mean the unit runs (`reloading` and `refreshing` are running units). */
const ACTIVE = new Set(['active', 'reloading', 'refreshing']);
const KNOWN_ACTIVE = new Set([
  ...ACTIVE,
  'inactive',
  'failed',
  'activating',
  'deactivating',
  'maintenance',
  'unknown',
]);
const WORD = /^[a-z-]*$/;

/** The probe's output → `{ enabled, state }`, or undefined when it is not the probe's shape. */
export function parseServiceProbe(
  output: string,
): { enabled: boolean; state: 'started' | 'stopped' } | 'no-systemctl' | undefined {
  const lines = output.split('\n').map((line) => line.trim());
  if (lines.includes('NO_SYSTEMCTL')) return 'no-systemctl';
  const enabled = lines.find((line) => line.startsWith('enabled='))?.slice('enabled='.length);
  const active = lines.find((line) => line.startsWith('active='))?.slice('active='.length);
  if (enabled === undefined || active === undefined) return undefined;
  // An unknown unit prints nothing for is-enabled (the error goes to stderr) and `inactive` for is-active.
  if (!WORD.test(enabled) || !KNOWN_ACTIVE.has(active)) return undefined;
  return { enabled: ENABLED.has(enabled), state: ACTIVE.has(active) ? 'started' : 'stopped' };
}
