import type { JsonObject, KindHandler, Observed, ProviderContext } from '@stratum/core';
import { CommandFailedError, outputTail, sha256Hex, shellQuote } from '@stratum/core';
import { z } from 'zod';
import {
  absolutePathSchema,
  addrOf,
  hostSchema,
  observedMode,
  octalModeSchema,
  priorObject,
  requiredPriorString,
  sameMode,
} from './attrs';

/** `ssh_file`: a file with content and mode; re-uploaded when its sha256 changes. */
export const sshFileSchema = z.strictObject({
  host: hostSchema,
  path: absolutePathSchema,
  content: z.string(),
  mode: octalModeSchema.default('0644'),
});

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

async function upload(request: { kind: string; name: string; attrs: SshFileAttrs }, ctx: ProviderContext) {
  const { host, path, mode, content } = request.attrs;
  const result = await ctx.transport.exec(host, sshFileInstallCommand(path, mode), {
    stdin: content,
    signal: ctx.signal,
  });
  if (result.exitCode !== 0) {
    throw new CommandFailedError({
      resource: addrOf(request),
      host,
      step: `install of ${path}`,
      exitCode: result.exitCode,
      output: result.stderr.trim() === '' ? result.stdout : result.stderr,
      hint: 'Check that the parent directory exists and is writable (ssh_file does not create it; system_file does).',
    });
  }
  ctx.log.trace(`[ssh] FILE \`${request.name}\` -> ${host}:${path}`);
}

function stateOf(attrs: SshFileAttrs): JsonObject {
  return { host: attrs.host, path: attrs.path, mode: attrs.mode, sha256: sha256Hex(attrs.content) };
}

export const sshFileKind: KindHandler<SshFileAttrs> = {
  schema: sshFileSchema,

  // State records the content's sha256, not the content: the plan compares digests.
  planView(attrs) {
    if (typeof attrs.content !== 'string') return attrs;
    const { content, ...rest } = attrs;
    return { ...rest, sha256: sha256Hex(content) };
  },

  async create(request, ctx) {
    await upload(request, ctx);
    return stateOf(request.attrs);
  },

  async update(request, ctx) {
    const state = stateOf(request.attrs);
    const prior = priorObject(request.prior);
    const unchanged =
      prior.host === state.host &&
      prior.path === state.path &&
      prior.sha256 === state.sha256 &&
      typeof prior.mode === 'string' &&
      sameMode(prior.mode, request.attrs.mode);
    if (unchanged) {
      ctx.log.trace(`[ssh] FILE \`${request.name}\` on ${request.attrs.host} unchanged (sha256 match)`);
    } else {
      await upload(request, ctx);
    }
    return state;
  },

  async delete(request, ctx) {
    const host = requiredPriorString(request, 'host');
    const path = requiredPriorString(request, 'path');
    const result = await ctx.transport.exec(host, sshFileRemoveCommand(path), { signal: ctx.signal });
    if (result.exitCode !== 0) {
      throw new CommandFailedError({
        resource: addrOf(request),
        host,
        step: `removal of ${path}`,
        exitCode: result.exitCode,
        output: result.stderr.trim() === '' ? result.stdout : result.stderr,
      });
    }
  },

  probe(request) {
    const host = requiredPriorString(request, 'host');
    const path = requiredPriorString(request, 'path');
    const priorMode = priorObject(request.prior).mode;
    return {
      host,
      script: sshFileProbeScript(path),
      parse: (output, exitCode) => parseSshFileProbe({ host, path, priorMode }, output, exitCode),
    };
  },
};
