import type { Observed } from '@stratum/core';
import { outputTail, shellQuote } from '@stratum/core/kit';
import { isSafeRelpath, manifestDigest, sortedManifest } from './dir-manifest';

function existenceCheck(path: string): string {
  return [
    `p=${shellQuote(path)}`,
    'if [ ! -d "$p" ]; then if [ -e "$p" ] || [ -L "$p" ]; then echo NOT_A_DIR; else echo MISSING; fi; exit 0; fi',
  ].join('\n');
}

/**
 * Upload mode: prints `DIR`, then one NUL-terminated `<sha256>  ./<relpath>`
 * record per regular file (`sha256sum -z` does not escape names), then `END`.
 * Empty-dir mode: only whether the directory exists, since files other
 * processes put there are not stratum's.
 */
export function dirProbeScript(path: string, withManifest: boolean): string {
  if (!withManifest) return `${existenceCheck(path)}\nprintf 'DIR\\nEND\\n'`;
  return [
    existenceCheck(path),
    'cd -- "$p" || exit 1',
    `printf 'DIR\\n'`,
    'find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum -z || exit 1',
    `printf '\\nEND\\n'`,
  ].join('\n');
}

const RECORD = /^([0-9a-f]{64}) {2}\.\/(.+)$/s;

export interface DirProbeTarget {
  host: string;
  path: string;
}

/** Parses {@link dirProbeScript}'s output into `{ host, path, file_count, manifest_sha256, manifest }`. */
export function parseDirProbe(target: DirProbeTarget, output: string, exitCode: number): Observed {
  const failed = (why: string): Observed => ({
    status: 'unknown',
    reason: `system_dir read of ${target.path} on ${target.host} failed (exit ${exitCode}): ${why}`,
  });
  const trimmed = output.trim();
  if (exitCode === 0 && trimmed === 'MISSING') return { status: 'absent' };
  if (exitCode === 0 && trimmed === 'NOT_A_DIR') return failed('the path exists but is not a directory');
  const start = output.indexOf('DIR\n');
  const end = output.lastIndexOf('\nEND');
  if (exitCode !== 0 || start !== 0 || end < start + 3) return failed(JSON.stringify(outputTail(output, 5)));
  const body = output.slice(start + 4, end + 1);
  const entries: [string, string][] = [];
  for (const record of body.split('\0')) {
    if (record === '' || record === '\n') continue;
    const match = RECORD.exec(record);
    if (!match || !isSafeRelpath(match[2]!))
      return failed(`unexpected line ${JSON.stringify(record.slice(0, 200))}`);
    entries.push([match[2]!, match[1]!]);
  }
  const manifest = sortedManifest(entries);
  return {
    status: 'present',
    attrs: {
      host: target.host,
      path: target.path,
      file_count: entries.length,
      manifest_sha256: manifestDigest(manifest),
      manifest,
    },
  };
}
