import type { HostCommand, KindHandler, Observed, Operation } from '@stratum/core';
import {
  compact,
  hostSchema,
  outputTail,
  priorHost,
  priorNumber,
  priorString,
  shellQuote,
} from '@stratum/core/kit';
import { z } from 'zod';
import { accountIdSchema, accountNameSchema, flag, GETENT_MISSING } from './account-commands';

/** `system_group`: a local group. `name` defaults to the resource label. */
export const systemGroupSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the group lives on.'),
    name: accountNameSchema.optional().describe('The group name. Defaults to the resource label.'),
    gid: accountIdSchema.optional().describe('The group id; when unset, `groupadd` picks one.'),
    /** A system group (`groupadd --system`: a gid from the system range). Only matters when it is created. */
    system: z
      .boolean()
      .default(false)
      .describe(
        'A system group (`groupadd --system`, a gid from the system range); only used when the group is created.',
      ),
  })
  .describe('A local group.');

export type SystemGroupAttrs = z.output<typeof systemGroupSchema>;

/** Creates the group, or gives an existing one the desired gid. */
export function groupCommand(name: string, attrs: SystemGroupAttrs): string {
  const n = shellQuote(name);
  const add = ['groupadd', ...flag('--gid', attrs.gid), ...(attrs.system ? ['--system'] : []), '--', n].join(
    ' ',
  );
  const modify =
    attrs.gid === undefined
      ? 'true'
      : `[ "$(getent group ${n} | cut -d: -f3)" = ${attrs.gid} ] || groupmod --gid ${attrs.gid} -- ${n}`;
  return `if getent group ${n} >/dev/null; then ${modify}; else ${add}; fi`;
}

export function groupProbeScript(name: string): string {
  return `g=$(getent group ${shellQuote(name)}); rc=$?; printf 'rc=%s\\n%s\\n' "$rc" "$g"`;
}

/** `{ host, name }`, plus `gid` when state records one. */
export function parseGroupProbe(
  target: { host: string; name: string; gid: number | undefined },
  output: string,
  exitCode: number,
): Observed {
  const { host, name } = target;
  if (exitCode === 0 && output === `rc=${GETENT_MISSING}\n\n`) return { status: 'absent' };
  const match = exitCode === 0 ? /^rc=0\n([^:\n]*):[^:\n]*:(\d+):[^\n]*\n$/.exec(output) : null;
  if (!match || match[1] !== name) {
    return {
      status: 'unknown',
      reason: `system_group read of ${name} on ${host} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
    };
  }
  return {
    status: 'present',
    attrs: compact({ host, name, gid: target.gid === undefined ? undefined : Number(match[2]) }),
  };
}

function groupOperation(name: string, attrs: SystemGroupAttrs, before: HostCommand[]): Operation {
  return {
    host: attrs.host,
    commands: [
      ...before,
      {
        command: groupCommand(name, attrs),
        step: `groupadd ${name}`,
        hint: 'Check that the gid is not taken by another group (getent group <gid>) and that the login is root.',
      },
    ],
    trace: [`[system] GROUP \`${name}\` on ${attrs.host}`],
    record: () => compact({ host: attrs.host, name, gid: attrs.gid, system: attrs.system }),
  };
}

/** `groupdel`; a group already gone is removed. */
export function groupDelete(name: string, onFailure: HostCommand['onFailure'], host?: string): HostCommand {
  return {
    command: `groupdel -- ${shellQuote(name)}`,
    step: `groupdel ${name}`,
    host,
    okIfOutput: /does not exist/,
    onFailure,
    hint: 'A group that is the primary group of a user cannot be removed: remove or change the user first.',
  };
}

export const systemGroupKind: KindHandler<SystemGroupAttrs> = {
  schema: systemGroupSchema,
  identity: ['host', 'name'],
  secrets: { refs: [] },

  claims: ({ name, attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'group name', value: attrs.name ?? name }],
  }),

  create: (request) => groupOperation(request.attrs.name ?? request.name, request.attrs, []),

  update(request) {
    const name = request.attrs.name ?? request.name;
    const old = priorString(request.prior, 'name');
    const oldHost = priorString(request.prior, 'host');
    // A renamed group is a new group; the old one goes after it exists.
    const moved =
      old !== undefined && oldHost !== undefined && (old !== name || oldHost !== request.attrs.host);
    const op = groupOperation(name, request.attrs, []);
    return moved ? { ...op, commands: [...op.commands, groupDelete(old, 'warn', oldHost)] } : op;
  },

  delete(request) {
    const name = priorString(request.prior, 'name') ?? request.name;
    return { host: priorHost(request), commands: [groupDelete(name, 'warn')] };
  },

  probe(request) {
    const host = priorHost(request);
    const name = priorString(request.prior, 'name') ?? request.name;
    const gid = priorNumber(request.prior, 'gid');
    return {
      host,
      script: groupProbeScript(name),
      parse: (output, exitCode) => parseGroupProbe({ host, name, gid }, output, exitCode),
    };
  },
};
