import { type PriorRequest, requirePriorString } from '@stratum/core/kit';

/**
 * The host and path a file or directory resource's prior state names: reads
 * and deletes start from them, and cannot without them.
 */
export function priorPath(request: PriorRequest): { host: string; path: string } {
  return { host: requirePriorString(request, 'host'), path: requirePriorString(request, 'path') };
}
