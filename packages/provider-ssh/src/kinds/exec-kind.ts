import type { JsonObject, KindHandler, ProviderContext } from '@stratum/core';
import { CommandFailedError, shellQuote } from '@stratum/core';
import { z } from 'zod';
import { addrOf, hostSchema, priorObject, requiredPriorString } from './attrs';

/** `ssh_exec`: a command run on the host, re-run whenever an attribute changes. */
export const sshExecSchema = z.strictObject({
  host: hostSchema,
  command: z.string().min(1, 'command must not be empty'),
  /** Exported into the command's shell; values may be secrets. */
  env: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name ([A-Za-z_][A-Za-z0-9_]*)'),
      z.string(),
    )
    .optional(),
  on_destroy: z.string().min(1).optional(),
});

export type SshExecAttrs = z.output<typeof sshExecSchema>;

export const NO_READ_REASON = 'ssh_exec has no readable identity on the host';

/**
 * `export K1=V1; export K2=V2; <command>`, keys in sorted order, values quoted.
 * The result carries env values (possibly secrets): it goes to the transport
 * and nowhere else, never into a log line or an error.
 */
export function execCommandLine(command: string, env: Record<string, string> = {}): string {
  const exports = Object.keys(env)
    .sort()
    .map((key) => `export ${key}=${shellQuote(env[key]!)}; `)
    .join('');
  return `${exports}${command}`;
}

/** Env values shorter than this are too common as text (`1`, `yes`) to be worth scrubbing. */
const MIN_SCRUB_LENGTH = 4;

/**
 * Replaces every env value (longest first) in `text` with `<env:KEY>`, so the
 * output a failed command printed can go into an error without echoing a
 * value that may be a secret.
 */
export function scrubEnvValues(text: string, env: Record<string, string> = {}): string {
  const entries = Object.entries(env)
    .filter(([, value]) => value.length >= MIN_SCRUB_LENGTH)
    .sort(([, a], [, b]) => b.length - a.length);
  let out = text;
  for (const [key, value] of entries) out = out.replaceAll(value, `<env:${key}>`);
  return out;
}

async function run(request: { kind: string; name: string; attrs: SshExecAttrs }, ctx: ProviderContext) {
  const { host, command, env } = request.attrs;
  const result = await ctx.transport.exec(host, execCommandLine(command, env), { signal: ctx.signal });
  if (result.exitCode !== 0) {
    const output = result.stderr.trim() === '' ? result.stdout : result.stderr;
    throw new CommandFailedError({
      resource: addrOf(request),
      host,
      step: 'command',
      exitCode: result.exitCode,
      output: scrubEnvValues(output, env),
      hint: 'Read the command output above, fix the command or the host, then apply again.',
    });
  }
  ctx.log.trace(`[ssh] EXEC \`${request.name}\` on ${host}`);
  const state: JsonObject = { ...request.attrs };
  state.stdout = result.stdout;
  state.stderr = result.stderr;
  state.exit_code = result.exitCode;
  return state;
}

export const sshExecKind: KindHandler<SshExecAttrs> = {
  schema: sshExecSchema,
  create: run,
  update: run,

  async delete(request, ctx) {
    const host = requiredPriorString(request, 'host');
    const onDestroy = priorObject(request.prior).on_destroy;
    if (typeof onDestroy !== 'string' || onDestroy === '') {
      ctx.log.trace(`[ssh] EXEC \`${request.name}\` on ${host}: no on_destroy, nothing to undo`);
      return;
    }
    const result = await ctx.transport.exec(host, onDestroy, { signal: ctx.signal });
    if (result.exitCode !== 0) {
      throw new CommandFailedError({
        resource: addrOf(request),
        host,
        step: 'on_destroy command',
        exitCode: result.exitCode,
        output: result.stderr.trim() === '' ? result.stdout : result.stderr,
        hint: 'Fix the on_destroy command or undo its work by hand, then apply again.',
      });
    }
    ctx.log.trace(`[ssh] EXEC \`${request.name}\` on_destroy on ${host}`);
  },

  async read() {
    return { status: 'unknown', reason: NO_READ_REASON };
  },
};
