import type { JsonObject, KindHandler, Observed, Operation } from '@stratum/core';
import {
  absolutePathSchema,
  hostSchema,
  observedMode,
  octalModeSchema,
  outputTail,
  priorObject,
  requirePriorString,
  sameMode,
  sha256Hex,
  shellQuote,
} from '@stratum/core/kit';
import { z } from 'zod';

/** `ssh_file`: a file with content and mode; re-uploaded when its sha256 changes. */
export const sshFileSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the file is written on.'),
    path: absolutePathSchema.describe('The absolute path of the file; its directory must exist.'),
    content: z.string().describe("The file's text."),
    mode: octalModeSchema.default('0644').describe('The octal file mode.'),
  })
  .describe(
    'A file with content and a mode. For owner, group and missing parent directories use `system_file`.',
  );

export type SshFileAttrs = z.output<typeof sshFileSchema>;

/** `install -m MODE /dev/stdin PATH`: the content travels on stdin. */
export function sshFileInstallCommand(path: string, mode: string): string {
  return `install -m ${shellQuote(mode)} /dev/stdin ${shellQuote(path)}`;
}

export function sshFileRemoveCommand(path: string): string {
  return `rm -f -- ${shellQuote(path)}`;
}

/** Prints `MISSING`, or `<mode>|<sha256>`; the content is hashed on the host. */
export function sshFileProbeScript(path: string): string {
  return [
    `p=${shellQuote(path)}`,
    'if [ ! -e "$p" ] && [ ! -L "$p" ]; then echo MISSING; exit 0; fi',
    'st=$(stat -L -c %a -- "$p") || exit 1',
    'h=$(sha256sum < "$p") || exit 1',
    `printf '%s|%s\\n' "$st" "\${h%% *}"`,
  ].join('\n');
}

const LINE = /^([0-7]{1,4})\|([0-9a-f]{64})$/;

/** {@link sshFileProbeScript}'s output → `{ host, path, mode, sha256 }`, absent, or unknown. */
export function parseSshFileProbe(
  target: { host: string; path: string; priorMode: unknown },
  output: string,
  exitCode: number,
): Observed {
  const lines = output.split('\n').map((line) => line.trim());
  if (exitCode === 0 && lines.includes('MISSING')) return { status: 'absent' };
  const match = exitCode === 0 ? lines.map((line) => LINE.exec(line)).find((m) => m !== null) : undefined;
  if (!match) {
    return {
      status: 'unknown',
      reason: `ssh_file read of ${target.path} on ${target.host} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
    };
  }
  return {
    status: 'present',
    attrs: {
      host: target.host,
      path: target.path,
      mode: observedMode(match[1]!, target.priorMode),
      sha256: match[2]!,
    },
  };
}

/** Streams the content into place; state keeps its sha256. */
function upload(request: { name: string; attrs: SshFileAttrs }): Operation {
  const { host, path, mode, content } = request.attrs;
  return {
    host,
    commands: [
      {
        command: sshFileInstallCommand(path, mode),
        step: `install of ${path}`,
        stdin: content,
        hint: 'Check that the parent directory exists and is writable (ssh_file does not create it; system_file does).',
      },
    ],
    trace: [`[ssh] FILE \`${request.name}\` -> ${host}:${path}`],
    record: () => stateOf(request.attrs),
  };
}

function stateOf(attrs: SshFileAttrs): JsonObject {
  return { host: attrs.host, path: attrs.path, mode: attrs.mode, sha256: sha256Hex(attrs.content) };
}

export const sshFileKind: KindHandler<SshFileAttrs> = {
  schema: sshFileSchema,
  identity: ['host', 'path'],
  // State records the content's sha256, not the content: the plan compares digests.
  digests: { content: 'sha256' },

  // The same space system_file claims: two kinds writing one path would fight over it.
  claims: ({ attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'file path', value: attrs.path }],
  }),

  create: upload,

  update(request) {
    const desired = stateOf(request.attrs);
    const prior = priorObject(request.prior);
    const unchanged =
      prior.host === desired.host &&
      prior.path === desired.path &&
      prior.sha256 === desired.sha256 &&
      typeof prior.mode === 'string' &&
      sameMode(prior.mode, request.attrs.mode);
    if (!unchanged) return upload(request);
    return {
      host: request.attrs.host,
      commands: [],
      trace: [`[ssh] FILE \`${request.name}\` on ${request.attrs.host} unchanged (sha256 match)`],
      record: () => desired,
    };
  },

  delete(request) {
    const host = requirePriorString(request, 'host');
    const path = requirePriorString(request, 'path');
    return { host, commands: [{ command: sshFileRemoveCommand(path), step: `removal of ${path}` }] };
  },

  probe(request) {
    const host = requirePriorString(request, 'host');
    const path = requirePriorString(request, 'path');
    const priorMode = priorObject(request.prior).mode;
    return {
      host,
      script: sshFileProbeScript(path),
      parse: (output, exitCode) => parseSshFileProbe({ host, path, priorMode }, output, exitCode),
    };
  },
};
