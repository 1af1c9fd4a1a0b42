import type { HostCommand, JsonObject, KindHandler, Observed, Operation } from '@stratum/core';
import {
  absolutePathSchema,
  compact,
  hostSchema,
  outputTail,
  priorHost,
  priorObject,
  priorString,
  shellQuote,
} from '@stratum/core/kit';
import { z } from 'zod';
import { accountIdSchema, accountNameSchema, flag, GETENT_MISSING } from './account-commands';

/** `system_user`: a local user account. `name` defaults to the resource label. */
export const systemUserSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the account lives on.'),
    name: accountNameSchema.optional().describe('The user name. Defaults to the resource label.'),
    uid: accountIdSchema.optional().describe('The user id; when unset, `useradd` picks one.'),
    /** The primary group, which must exist (a `system_group`, ordered by `depends_on`). Default: `useradd`'s. */
    group: accountNameSchema
      .optional()
      .describe(
        "The primary group, which must exist (order it with `depends_on`); when unset, `useradd`'s default (a group named like the user).",
      ),
    /** The supplementary groups, exactly: the user is taken out of any other. Unset: left as they are. */
    groups: z
      .array(accountNameSchema)
      .optional()
      .describe(
        'The supplementary groups, exactly: the user leaves any group not listed. When unset, they are left as they are.',
      ),
    shell: absolutePathSchema.optional().describe('The absolute path of the login shell.'),
    home: absolutePathSchema
      .optional()
      .describe("The absolute path of the home directory; an existing user's home is repointed, not moved."),
    /** A system account (`useradd --system`: a uid from the system range, no home made). Only matters when it is created. */
    system: z
      .boolean()
      .default(false)
      .describe(
        'A system account (`useradd --system`: a uid from the system range, no home created); only used when the user is created.',
      ),
    /** Lock the password (`usermod --lock`), so the account logs in only by key. `false` leaves it as it is. */
    lock_password: z
      .boolean()
      .default(false)
      .describe(
        'Lock the password (`usermod --lock`) so the account logs in by key only; `false` leaves it as it is.',
      ),
  })
  .describe('A local user account.');

export type SystemUserAttrs = z.output<typeof systemUserSchema>;

/** Creates the user or brings an existing one to the desired attributes, in one snippet. */
export function userCommand(name: string, attrs: SystemUserAttrs): string {
  const n = shellQuote(name);
  const common = [
    ...flag('--uid', attrs.uid),
    ...flag('--gid', attrs.group),
    ...flag('--groups', attrs.groups?.join(',')),
    ...flag('--shell', attrs.shell),
    ...flag('--home', attrs.home),
  ];
  const add = [
    'useradd',
    ...common.map((word) => (word === '--home' ? '--home-dir' : word)),
    ...(attrs.system ? ['--system'] : ['--create-home']),
    '--',
    n,
  ].join(' ');
  // `--groups ''` (an empty list) takes the user out of every supplementary group.
  const modify = common.length === 0 ? 'true' : ['usermod', ...common, '--', n].join(' ');
  const lines = [`if getent passwd ${n} >/dev/null; then ${modify}; else ${add}; fi`];
  if (attrs.lock_password) lines.push(`usermod --lock -- ${n}`);
  return lines.join(' && ');
}

/**
 * Prints `rc=<getent's exit>`, then for a user that exists its passwd line,
 * primary group, all its groups and the password status letter (`L` locked).
 */
export function userProbeScript(name: string): string {
  return [
    `u=${shellQuote(name)}`,
    'p=$(getent passwd "$u"); rc=$?; printf \'rc=%s\\n\' "$rc"; [ "$rc" = 0 ] || exit 0',
    'printf \'PASSWD|%s\\nGROUP|%s\\nGROUPS|%s\\n\' "$p" "$(id -gn -- "$u")" "$(id -Gn -- "$u")"',
    'printf \'STATUS|%s\\n\' "$(passwd -S -- "$u" 2>/dev/null | cut -d" " -f2)"',
  ].join('\n');
}

const USER_OUTPUT =
  /^rc=0\nPASSWD\|([^:\n]*):[^:\n]*:(\d+):\d+:[^:\n]*:([^:\n]*):([^:\n]*)\nGROUP\|([^\n]*)\nGROUPS\|([^\n]*)\nSTATUS\|([^\n]*)\n$/;

/**
 * The attributes state records, as the host has them: only those state
 * names (an unset `shell` is `useradd`'s business, not drift), `groups` as
 * the supplementary groups, `lock_password` only when state asks for a lock.
 */
export function parseUserProbe(
  target: { host: string; name: string; prior: JsonObject },
  output: string,
  exitCode: number,
): Observed {
  const { host, name, prior } = target;
  if (exitCode === 0 && output === `rc=${GETENT_MISSING}\n`) return { status: 'absent' };
  const m = exitCode === 0 ? USER_OUTPUT.exec(output) : null;
  if (!m || m[1] !== name) {
    return {
      status: 'unknown',
      reason: `system_user read of ${name} on ${host} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
    };
  }
  const [, , uid, home, shell, group, all, status] = m as unknown as string[];
  const supplementary = all!.split(' ').filter((g) => g !== '' && g !== group);
  const has = (key: string) => prior[key] !== undefined;
  return {
    status: 'present',
    attrs: compact({
      host,
      name,
      uid: has('uid') ? Number(uid) : undefined,
      group: has('group') ? group : undefined,
      groups: has('groups') ? supplementary : undefined,
      shell: has('shell') ? shell : undefined,
      home: has('home') ? home : undefined,
      lock_password: prior.lock_password === true ? status === 'L' : undefined,
    }),
  };
}

function userOperation(name: string, attrs: SystemUserAttrs, after: HostCommand[]): Operation {
  const { host } = attrs;
  return {
    host,
    commands: [
      {
        command: userCommand(name, attrs),
        step: `useradd ${name}`,
        hint: 'Check that the groups exist (declare them as system_group and depend on them), that the uid is free, and that the login is root.',
      },
      ...after,
    ],
    trace: [`[system] USER \`${name}\` on ${host}`],
    record: () =>
      compact({
        host,
        name,
        uid: attrs.uid,
        group: attrs.group,
        groups: attrs.groups,
        shell: attrs.shell,
        home: attrs.home,
        system: attrs.system,
        lock_password: attrs.lock_password,
      }),
  };
}

/** `userdel` (the home directory stays); a user already gone is removed. */
function userDelete(name: string, host?: string): HostCommand {
  return {
    command: `userdel -- ${shellQuote(name)}`,
    step: `userdel ${name}`,
    host,
    okIfOutput: /does not exist/,
    onFailure: 'warn',
  };
}

export const systemUserKind: KindHandler<SystemUserAttrs> = {
  schema: systemUserSchema,
  identity: ['host', 'name'],
  secrets: { refs: [] },

  claims: ({ name, attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'user name', value: attrs.name ?? name }],
  }),

  create: (request) => userOperation(request.attrs.name ?? request.name, request.attrs, []),

  update(request) {
    const name = request.attrs.name ?? request.name;
    const old = priorString(request.prior, 'name');
    const oldHost = priorString(request.prior, 'host');
    const moved =
      old !== undefined && oldHost !== undefined && (old !== name || oldHost !== request.attrs.host);
    return userOperation(name, request.attrs, moved ? [userDelete(old, oldHost)] : []);
  },

  delete(request) {
    const name = priorString(request.prior, 'name') ?? request.name;
    return { host: priorHost(request), commands: [userDelete(name)] };
  },

  probe(request) {
    const host = priorHost(request);
    const name = priorString(request.prior, 'name') ?? request.name;
    return {
      host,
      script: userProbeScript(name),
      parse: (output, exitCode) =>
        parseUserProbe({ host, name, prior: priorObject(request.prior) }, output, exitCode),
    };
  },
};
