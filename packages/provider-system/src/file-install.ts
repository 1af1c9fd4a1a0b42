import type { ProviderContext } from '@stratum/core';
import { shellQuote } from '@stratum/core';
import { runLoose, runStep } from './run-step';

export interface FilePlacement {
  path: string;
  mode: string;
  owner: string;
  group: string;
}

/**
 * `install -D -m MODE -o OWNER -g GROUP /dev/stdin PATH`: writes stdin to PATH
 * with the given permissions, creating parent directories. The content travels
 * on stdin, never in the command line.
 */
export function installCommand(file: FilePlacement): string {
  return [
    'install -D',
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

/** Uploads `content` to the host with {@link installCommand}; a failure throws `CommandFailed`. */
export async function installFile(
  ctx: ProviderContext,
  target: { resource: string; host: string },
  file: FilePlacement,
  content: string,
): Promise<void> {
  await runStep(ctx, installCommand(file), {
    resource: target.resource,
    host: target.host,
    step: `install of ${file.path}`,
    stdin: content,
    hint: 'Check that the owner and group exist on the host and that the parent path is writable.',
  });
}

/** Removes a file; with `bestEffort` a failure is logged as a warning instead of thrown. */
export async function removeFile(
  ctx: ProviderContext,
  target: { resource: string; host: string },
  path: string,
  bestEffort: boolean,
): Promise<void> {
  if (!bestEffort) {
    await runStep(ctx, removeFileCommand(path), { ...target, step: `removal of ${path}` });
    return;
  }
  const result = await runLoose(ctx, removeFileCommand(path), target);
  if (result.exitCode !== 0) {
    ctx.log.warn(
      `${target.resource}: removing ${path} on ${target.host} failed (exit ${result.exitCode}); ignored`,
    );
  }
}
