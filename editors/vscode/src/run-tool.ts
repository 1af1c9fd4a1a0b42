import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The extension's directory. */
export const EXTENSION_DIR = resolve(import.meta.dirname, '..');

/** The tool from the extension's own dev dependencies, else the workspace root's (tsup). */
function toolPath(tool: string): string {
  const own = resolve(EXTENSION_DIR, 'node_modules/.bin', tool);
  return existsSync(own) ? own : resolve(EXTENSION_DIR, '../../node_modules/.bin', tool);
}

/** Runs one of the extension's dev tools (`node_modules/.bin/<tool>`) in the extension's directory. */
export function runTool(
  tool: string,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      toolPath(tool),
      args,
      { cwd: EXTENSION_DIR, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        done({ code, stdout, stderr });
      },
    );
  });
}
