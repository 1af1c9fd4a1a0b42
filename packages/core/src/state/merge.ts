import { access } from 'node:fs/promises';
import type { ResourceState, State } from '../types';
import { StateError } from './errors';
import { loadState } from './load';
import { saveState } from './save';
import { STATE_VERSION } from './schema';

/** What {@link mergeStateFiles} did, for the CLI's `merged N state files into <out> (M resources)`. */
export interface MergeResult {
  /** How many input files were merged. */
  readonly files: number;
  /** How many resources the output holds. */
  readonly resources: number;
  /** The output path, as given. */
  readonly output: string;
}

/**
 * Merges two or more state files into a new one at `output`.
 *
 * Refuses (with a {@link StateError}, before writing anything) when fewer than
 * two inputs are given, when an input file does not exist (a typo would
 * otherwise merge an empty state), when `output` already exists, and when the
 * same `<kind>.<name>` is present in two inputs — there is no last-writer-wins.
 */
export async function mergeStateFiles(inputs: readonly string[], output: string): Promise<MergeResult> {
  if (inputs.length < 2) {
    throw new StateError(
      'StateMergeInputs',
      output,
      `state merge needs at least two input files, got ${inputs.length}`,
      { hint: 'pass every state file to merge, e.g. `stratum state merge -o out.json a.json b.json`' },
    );
  }
  if (await exists(output)) {
    throw new StateError(
      'StateMergeOutputExists',
      output,
      `refusing to overwrite existing state file ${output}`,
      {
        hint: 'remove the file or pick a different -o and retry',
      },
    );
  }
  const merged: Record<string, ResourceState> = {};
  const source = new Map<string, string>();
  for (const input of inputs) {
    if (!(await exists(input))) {
      throw new StateError('StateMergeInputs', input, `state file ${input} does not exist`, {
        hint: 'check the input paths',
      });
    }
    const state = await loadState(input);
    for (const [key, entry] of Object.entries(state.resources)) {
      const first = source.get(key);
      if (first !== undefined) {
        throw new StateError(
          'StateMergeConflict',
          input,
          `key ${key} present in both ${first} and ${input} — refusing to merge`,
          { hint: 'rename the resource in one config, or remove it from one state file, and retry' },
        );
      }
      source.set(key, input);
      merged[key] = entry;
    }
  }
  const state: State = { version: STATE_VERSION, resources: merged };
  await saveState(output, state);
  return { files: inputs.length, resources: source.size, output };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
