import { shellQuote } from '@stratum/core/kit';

/** Creates the network unless one of that name exists: applying twice is a no-op. */
export function ensureNetworkCommand(name: string, driver: string): string {
  const n = shellQuote(name);
  return `docker network inspect ${n} >/dev/null 2>&1 || docker network create --driver ${shellQuote(driver)} ${n}`;
}

/** Removes the network. */
export function removeNetworkCommand(name: string): string {
  return `docker network rm ${shellQuote(name)}`;
}

/** Prints the network as one JSON line (the probe). */
export function inspectNetworkCommand(name: string): string {
  return `docker network inspect ${shellQuote(name)} --format '{{json .}}'`;
}

/**
 * Docker's "that network does not exist": older engines and clients say
 * `No such network: N`, newer ones `network N not found`.
 */
export const NO_SUCH_NETWORK = /No such network|network \S+ not found/i;
