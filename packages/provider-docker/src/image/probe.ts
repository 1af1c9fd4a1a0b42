import type { JsonObject, JsonValue, Observed } from '@stratum/core';
import { priorObject } from '@stratum/core/kit';
import { BUILD_TIME_FIELDS } from './schema';

const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/**
 * Reads the output of `docker images --no-trunc --format '{{.ID}}' TAG`: the
 * image id, `null` for no such image, `undefined` when the output is not an id.
 */
export function parseImageId(output: string): string | null | undefined {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length === 0) return null;
  return lines.find((l) => IMAGE_ID.test(l));
}

/**
 * The observation of a `docker_image`: absent when docker lists no image for
 * the tag, else `{ host, tag, image_id, id }` plus the build-time fields
 * echoed from state (docker keeps no record of them, so drift on those is a
 * desired-vs-state matter for the planner, not something a read can see).
 */
export function parseImageProbe(
  prior: JsonValue,
  host: string,
  tag: string,
  output: string,
  exitCode: number,
): Observed {
  if (exitCode !== 0) {
    return {
      status: 'unknown',
      reason: `docker images failed (exit ${exitCode}): ${output.trim().slice(0, 500)}`,
    };
  }
  const id = parseImageId(output);
  if (id === null) return { status: 'absent' };
  if (id === undefined) {
    return { status: 'unknown', reason: `unreadable docker images output: ${output.trim().slice(0, 200)}` };
  }
  const attrs: JsonObject = { host, tag, image_id: id, id };
  const recorded = priorObject(prior);
  for (const field of BUILD_TIME_FIELDS) {
    const value = recorded[field];
    if (value !== undefined) attrs[field] = value;
  }
  return { status: 'present', attrs };
}
