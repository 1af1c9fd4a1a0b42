import type { Observed } from '@stratum/core';
import { firstJsonObject } from '../shared/json-line';
import { NO_SUCH_NETWORK } from './commands';

/**
 * Turns `docker network inspect N --format '{{json .}}'` output into an
 * observation: `{ host, name, driver }`, absent when docker says there is no
 * such network, unknown for any other failure or unreadable output.
 */
export function parseNetworkInspect(host: string, output: string, exitCode: number): Observed {
  if (exitCode !== 0) {
    if (NO_SUCH_NETWORK.test(output)) return { status: 'absent' };
    return {
      status: 'unknown',
      reason: `docker network inspect failed (exit ${exitCode}): ${output.trim()}`,
    };
  }
  const doc = firstJsonObject(output);
  if (doc === undefined || typeof doc.Name !== 'string' || typeof doc.Driver !== 'string') {
    return {
      status: 'unknown',
      reason: `unreadable docker network inspect output: ${output.trim().slice(0, 200)}`,
    };
  }
  return { status: 'present', attrs: { host, name: doc.Name, driver: doc.Driver } };
}
