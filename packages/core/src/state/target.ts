import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { StateError } from './errors';

/**
 * The file a state path really names. A state file may be a symlink (to a
 * shared checkout, a mounted volume): writes go through to the link's target
 * and its lock lives beside the target, so the link survives and two links to
 * one file share one lock. A missing path is itself; a link whose target does
 * not exist is an error — reading it as an empty state would plan to recreate
 * everything.
 */
export async function stateTarget(path: string): Promise<string> {
  let isLink: boolean;
  try {
    isLink = (await lstat(path)).isSymbolicLink();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return path;
    throw error;
  }
  if (!isLink) return path;
  try {
    return await realpath(path);
  } catch (error) {
    const to = await readlink(path).catch(() => '?');
    throw new StateError(
      'StateUnreadable',
      path,
      `state file ${path} is a symbolic link to ${resolve(dirname(path), to)}, which does not exist`,
      {
        hint: 'restore the file the link points to, or point the link (or -s) at the right state file',
        cause: error,
      },
    );
  }
}
