import type { ExecResult, HostCommand, VectorWriter } from '@stratum/core';
import { modeValue, sameMode, sha256Hex, shellQuote } from '@stratum/core/kit';
import type { FilePlacement } from './file-install';
import { fileVectorReader, parseFileProbe } from './file-probe';
import { tarBuffer } from './tar-writer';

/** What {@link fileVectorWriter} needs of one `system_file` step. */
export interface FileWrite extends FilePlacement {
  content: string;
}

/**
 * Files per write: a few hundred keeps one write's stdin and its lists of
 * paths small, while a thousand files still cost only a handful of writes.
 */
const MAX_FILES = 256;

/** A file larger than this goes by its own `install`, so one write's stdin stays under 16 MiB. */
export const VECTOR_FILE_MAX_BYTES = 64 * 1024;

/** `printf '%s\0' <paths> | xargs -0 -r <command>`: one process for many paths, any argument-list size. */
function forEachPath(paths: readonly string[], command: string): string {
  return `printf '%s\\0' ${paths.map(shellQuote).join(' ')} | xargs -0 -r ${command}`;
}

/** Paths grouped by a key, in first-seen order. */
function groupBy(files: readonly FileWrite[], key: (file: FileWrite) => string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const file of files) {
    const list = groups.get(key(file));
    if (list) list.push(file.path);
    else groups.set(key(file), [file.path]);
  }
  return groups;
}

/**
 * The write's script. Its stdin is a tar of every file:
 *
 * 1. if a path is a directory, or an owner or group is unknown, the script
 *    writes nothing: each file then goes by its own `install`, which fails
 *    with its own message before touching the file, as it always has;
 * 2. one `tar -x` writes every file at its absolute path (`-P`), with its
 *    mode (`-p`), owned by the writing user, parent directories created as
 *    `install -D` creates them; `-m` gives it the time of writing;
 * 3. one `chown` per owner:group, then one `chmod` per mode (a `chown` clears
 *    set-id bits, so the mode comes last);
 * 4. every file is read back as refresh reads it (`fileVectorReader`): the
 *    write vouches only for what the host now holds.
 *
 * What the first three print is dropped: a file they failed on reads back
 * wrong, and its own `install` then reports the error.
 */
function writeScript(files: readonly FileWrite[]): string {
  const owners = [...new Set(files.map((f) => f.owner))];
  const groups = [...new Set(files.map((f) => f.group))];
  const write = [
    // install -T refuses a directory at the path; tar would replace an empty one.
    '[ -z "$in_the_way" ]',
    `getent passwd ${owners.map(shellQuote).join(' ')} >/dev/null`,
    `getent group ${groups.map(shellQuote).join(' ')} >/dev/null`,
    'tar -x -P -p -m --no-same-owner -f -',
  ].join(' && ');
  const chown = [...groupBy(files, (f) => `${f.owner}:${f.group}`)].map(([owner, paths]) =>
    forEachPath(paths, `chown -- ${shellQuote(owner)}`),
  );
  const chmod = [...groupBy(files, (f) => f.mode)].map(([mode, paths]) =>
    forEachPath(paths, `chmod -- ${shellQuote(mode)}`),
  );
  return [
    'in_the_way=',
    `for p in ${files.map((f) => shellQuote(f.path)).join(' ')}; do`,
    '  if [ -d "$p" ] && [ ! -L "$p" ]; then in_the_way=1; fi',
    'done',
    `{ if ${write}; then`,
    ...chown.map((line) => `  ${line}`),
    ...chmod.map((line) => `  ${line}`),
    'fi; } >/dev/null 2>&1',
    fileVectorReader.script(files.map((f) => f.path)),
  ].join('\n');
}

/** Whether what the host read back is exactly the file `file` asks for. */
function holds(file: FileWrite, output: string): boolean {
  const observed = parseFileProbe(
    {
      kind: 'system_file',
      host: '',
      path: file.path,
      prior: { mode: file.mode, owner: file.owner, group: file.group },
    },
    output,
    0,
  );
  if (observed.status !== 'present') return false;
  const { mode, owner, group, sha256 } = observed.attrs as Record<string, string>;
  return (
    sameMode(mode!, file.mode) &&
    owner === file.owner &&
    group === file.group &&
    sha256 === sha256Hex(file.content)
  );
}

/**
 * Many `system_file` steps of one host as one tar stream (see
 * {@link writeScript}): a fork or two per hundred files instead of a subshell
 * and an `install` per file. For each file it vouches for, the result is what
 * that file's own `install` prints on success: nothing.
 */
export const fileVectorWriter: VectorWriter = {
  id: 'stratum:file-tar-install',
  max: MAX_FILES,
  commands(_host, args): readonly HostCommand[] {
    const files = args as readonly FileWrite[];
    const mtime = Math.floor(Date.now() / 1000);
    const archive = tarBuffer(
      files.map((file) => ({
        path: file.path,
        mode: modeValue(file.mode) ?? 0o644,
        mtime,
        content: Buffer.from(file.content, 'utf8'),
      })),
    );
    return [{ command: writeScript(files), step: `install of ${files.length} files`, stdin: archive }];
  },
  split(results, args): readonly (ExecResult | undefined)[] {
    const files = args as readonly FileWrite[];
    const result = results[0];
    if (result === undefined) return files.map(() => undefined);
    const read = fileVectorReader.split(
      result.stdout,
      result.exitCode,
      files.map((f) => f.path),
    );
    return files.map((file, i) => {
      const run = read[i];
      return run !== undefined && holds(file, run.output)
        ? { exitCode: 0, stdout: '', stderr: '' }
        : undefined;
    });
  },
};
