import type { JsonObject, KindHandler, Operation } from '@stratum/core';
import { envNameSchema, hostSchema, priorHost, priorString, shellQuote } from '@stratum/core/kit';
import { z } from 'zod';

/** `ssh_exec`: a command run on the host, re-run whenever an attribute changes. */
export const sshExecSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the command runs on.'),
    command: z
      .string()
      .min(1, 'command must not be empty')
      .describe("The command, run by the remote user's shell."),
    /** Exported into the command's shell; values may be secrets. */
    env: z
      .record(envNameSchema, z.string())
      .optional()
      .describe('Variables exported for the command; values may be secrets.'),
    on_destroy: z
      .string()
      .min(1)
      .optional()
      .describe('A command run when the resource is removed from the config.'),
  })
  .describe(
    'A shell command on the host. It runs on create and again on every update; its output and exit code are recorded in state.',
  );

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

/** Runs the command with its env; state keeps the attrs and what the command printed. */
function runCommand(request: { name: string; attrs: SshExecAttrs }): Operation {
  const { host, command, env } = request.attrs;
  return {
    host,
    commands: [
      {
        command: execCommandLine(command, env),
        step: 'command',
        // The env may hold values the config did not mark secret; a command that echoes one must not leak it.
        sensitive: Object.values(env ?? {}),
        hint: 'Read the command output above, fix the command or the host, then apply again.',
      },
    ],
    trace: [`[ssh] EXEC \`${request.name}\` on ${host}`],
    record: ([result]) => {
      const state: JsonObject = { ...request.attrs };
      state.stdout = result?.stdout ?? '';
      state.stderr = result?.stderr ?? '';
      state.exit_code = result?.exitCode ?? 0;
      return state;
    },
  };
}

export const sshExecKind: KindHandler<SshExecAttrs> = {
  schema: sshExecSchema,
  identity: ['host'],
  // The command, its env and on_destroy may all carry a secret; only the host names the resource.
  secrets: { refs: '*' },

  create: runCommand,
  update: runCommand,
  // Runs the command again; an update already did, so it needs no second run.
  trigger: {
    verb: () => 're-run',
    operation: (request) => (request.alongside === 'update' ? undefined : runCommand(request)),
  },

  delete(request) {
    const host = priorHost(request);
    const onDestroy = priorString(request.prior, 'on_destroy');
    if (onDestroy === undefined || onDestroy === '') {
      return {
        host,
        commands: [],
        trace: [`[ssh] EXEC \`${request.name}\` on ${host}: no on_destroy, nothing to undo`],
      };
    }
    return {
      host,
      commands: [
        {
          command: onDestroy,
          step: 'on_destroy command',
          hint: 'Fix the on_destroy command or undo its work by hand, then apply again.',
        },
      ],
      trace: [`[ssh] EXEC \`${request.name}\` on_destroy on ${host}`],
    };
  },

  async read() {
    return { status: 'unknown', reason: NO_READ_REASON };
  },
};
