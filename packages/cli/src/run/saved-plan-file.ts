import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseSavedPlan, type SavedPlan, type SavedPlanConfig } from '@stratum/core';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import type { Sources } from '../sources';

/** The configs a plan is made from, with the digests of their bytes. */
export async function configDigests(sources: Sources): Promise<SavedPlanConfig[]> {
  return Promise.all(
    sources.configs.map(async (path) => ({
      path,
      sha256: `sha256:${createHash('sha256')
        .update(await readFile(path))
        .digest('hex')}`,
    })),
  );
}

/**
 * Writes the plan file, readable by its owner only (it names hosts, paths and
 * secret digests), fsynced so that a plan reported saved is on disk.
 */
export async function writePlanFile(path: string, saved: SavedPlan, io: CliIo): Promise<void> {
  const at = resolve(io.cwd, path);
  try {
    const handle = await open(at, 'w', 0o600);
    try {
      // An existing file keeps its bits under open(); the plan's are 0600 whatever they were.
      await handle.chmod(0o600);
      await handle.writeFile(`${JSON.stringify(saved, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new CliError('PlanFileWriteFailed', `cannot write plan file ${path}: ${(error as Error).message}`, {
      hint: 'check that the directory exists and is writable',
    });
  }
}

export async function readPlanFile(path: string, io: CliIo): Promise<SavedPlan> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    throw new CliError('PlanFileNotFound', `cannot read plan file ${path}: ${(error as Error).message}`, {
      hint: 'write one with `stratum plan -o PLANFILE`',
    });
  }
  return parseSavedPlan(text, path);
}
