import type { HostCommand } from '@stratum/core';
import { shellQuote } from '@stratum/core/kit';

export interface FilePlacement {
  path: string;
  mode: string;
  owner: string;
  group: string;
}

/**
 * `install -D -T -m MODE -o OWNER -g GROUP /dev/stdin PATH`: writes stdin to PATH
 * with the given permissions, creating parent directories. The content travels
 * on stdin, never in the command line.
 */
export function installCommand(file: FilePlacement): string {
  return [
    // -T: a directory at PATH is an error, not a place to put a file named `stdin`.
    'install -D -T',
    `-m ${shellQuote(file.mode)}`,
    `-o ${shellQuote(file.owner)}`,
    `-g ${shellQuote(file.group)}`,
    '/dev/stdin',
    shellQuote(file.path),
  ].join(' ');
}

/** `rm -f -- PATH`. */
export function removeFileCommand(path: string): string {
  return `rm -f -- ${shellQuote(path)}`;
}

/** Uploads `content` to the host with {@link installCommand}. */
export function installFile(file: FilePlacement, content: string): HostCommand {
  return {
    command: installCommand(file),
    step: `install of ${file.path}`,
    stdin: content,
    hint: 'Check that the owner and group exist on the host and that the parent path is writable.',
  };
}
