import { createHash } from 'node:crypto';
import type { KindHandler, Observed, Operation } from '@stratum/core';
import {
  hostSchema,
  outputTail,
  priorHost,
  priorString,
  requirePriorString,
  shellQuote,
} from '@stratum/core/kit';
import { z } from 'zod';
import { accountNameSchema } from './account-commands';

/** One public key line: `<type> <base64> [comment]`, no options, no newline. */
const KEY = /^((?:ssh|ecdsa|sk-ssh|sk-ecdsa)-[A-Za-z0-9@.-]+) ([A-Za-z0-9+/]+={0,2})(?: [^\n\0]*)?$/;

/** `system_authorized_key`: a public key in a user's `~/.ssh/authorized_keys`. */
export const systemAuthorizedKeySchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the user lives on.'),
    user: accountNameSchema.describe('The user whose key file it is; the user must exist.'),
    key: z
      .string()
      .transform((key) => key.trim())
      .refine(
        (key) => KEY.test(key),
        'expected one public key line: "<type> <base64> [comment]", e.g. "ssh-ed25519 AAAA... me@laptop"',
      )
      .describe(
        'One public key line, `<type> <base64> [comment]` (no options, no newline; surrounding space is trimmed).',
      ),
    /** The user's only key: every other line of the file is removed. */
    exclusive: z
      .boolean()
      .default(false)
      .describe("Make it the user's only key: every other line of the file is removed."),
  })
  .describe("A public key in a user's `~/.ssh/authorized_keys`.");

export type SystemAuthorizedKeyAttrs = z.output<typeof systemAuthorizedKeySchema>;

/** The base64 part, which says which key a line holds whatever its comment. */
export function keyBlob(key: string): string {
  return KEY.exec(key.trim())?.[2] ?? key;
}

/** The key's fingerprint as `ssh-keygen -l` prints it (`SHA256:...`), to name it in messages. */
export function keyFingerprint(key: string): string {
  const digest = createHash('sha256')
    .update(Buffer.from(keyBlob(key), 'base64'))
    .digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** Finds the user's home and primary group, or stops with a message naming the user. */
const FIND_USER = [
  'h=$(getent passwd "$u" | cut -d: -f6); [ -n "$h" ] || { echo "no user $u on this host" >&2; exit 3; }',
  'g=$(id -gn -- "$u") || exit 1; d="$h/.ssh"; f="$d/authorized_keys"; t="$f.stratum-tmp"',
].join('\n');

/** awk: every line, with the one holding blob `B` replaced by `K` (or `K` appended); `X=1` keeps only `K`. */
const KEY_AWK =
  'ENVIRON["X"] == "1" { next } { for (i = 1; i <= NF; i++) if ($i == ENVIRON["B"]) { if (!done) print ENVIRON["K"]; done = 1; next } print } END { if (!done) print ENVIRON["K"] }';
const REMOVE_AWK = '{ for (i = 1; i <= NF; i++) if ($i == ENVIRON["B"]) next; print }';

function editCommand(user: string, program: string, env: Record<string, string>): string {
  const exports = Object.entries(env)
    .map(([name, value]) => `${name}=${shellQuote(value)}`)
    .join(' ');
  return [
    `u=${shellQuote(user)}; export ${exports}`,
    FIND_USER,
    // ~/.ssh 0700 and authorized_keys 0600, both the user's: sshd ignores keys it finds writable by others.
    'mkdir -p -- "$d" && chown -- "$u:$g" "$d" && chmod 0700 "$d" || exit 1',
    'if [ -e "$f" ]; then awk ' +
      shellQuote(program) +
      ' "$f" > "$t"; else awk ' +
      shellQuote(program) +
      ' /dev/null > "$t"; fi || { rm -f -- "$t"; exit 1; }',
    'chown -- "$u:$g" "$t" && chmod 0600 "$t" && mv -f -- "$t" "$f"',
  ].join('\n');
}

export function addKeyCommand(attrs: SystemAuthorizedKeyAttrs): string {
  return editCommand(attrs.user, KEY_AWK, {
    K: attrs.key,
    B: keyBlob(attrs.key),
    X: attrs.exclusive ? '1' : '0',
  });
}

export function removeKeyCommand(user: string, key: string): string {
  return editCommand(user, REMOVE_AWK, { B: keyBlob(key) });
}

/** Prints `NO_USER`, `NO_FILE`, or `KEY|<the line holding the key, or empty>` then `OTHERS|<other key lines>`. */
export function authorizedKeyProbeScript(user: string, key: string): string {
  return [
    `u=${shellQuote(user)}; B=${shellQuote(keyBlob(key))}; export B`,
    'h=$(getent passwd "$u" | cut -d: -f6); [ -n "$h" ] || { echo NO_USER; exit 0; }',
    'f="$h/.ssh/authorized_keys"; [ -e "$f" ] || { echo NO_FILE; exit 0; }',
    `awk ${shellQuote('{ for (i = 1; i <= NF; i++) if ($i == ENVIRON["B"]) { if (line == "") line = $0; mine = 1 } if (!mine && $0 !~ /^[ \t]*(#|$)/) others++; mine = 0 } END { printf "KEY|%s\\nOTHERS|%d\\n", line, others }')} "$f"`,
  ].join('\n');
}

/** `{ host, user, key }` (plus `exclusive` when state asks for it); a key not in the file reads as absent. */
export function parseAuthorizedKeyProbe(
  target: { host: string; user: string; exclusive: boolean },
  output: string,
  exitCode: number,
): Observed {
  const { host, user } = target;
  if (exitCode === 0 && (output === 'NO_USER\n' || output === 'NO_FILE\n')) return { status: 'absent' };
  const m = exitCode === 0 ? /^KEY\|([^\n]*)\nOTHERS\|(\d+)\n$/.exec(output) : null;
  if (!m) {
    return {
      status: 'unknown',
      reason: `system_authorized_key read for ${user} on ${host} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
    };
  }
  if (m[1] === '') return { status: 'absent' };
  const attrs = { host, user, key: m[1]!.trim() };
  return { status: 'present', attrs: target.exclusive ? { ...attrs, exclusive: m[2] === '0' } : attrs };
}

function keyOperation(
  name: string,
  attrs: SystemAuthorizedKeyAttrs,
  prior: { user?: string; key?: string; host?: string },
): Operation {
  const { host, user, key, exclusive } = attrs;
  const moved =
    prior.user !== undefined &&
    prior.key !== undefined &&
    prior.host !== undefined &&
    (prior.user !== user || keyBlob(prior.key) !== keyBlob(key) || prior.host !== host);
  return {
    host,
    commands: [
      {
        command: addKeyCommand(attrs),
        step: `authorized key for ${user}`,
        hint: `Check that the user exists on the host (declare it as a system_user and depend on it).`,
      },
      ...(moved
        ? [
            {
              command: removeKeyCommand(prior.user!, prior.key!),
              step: `removal of the old key of ${prior.user}`,
              host: prior.host,
              onFailure: 'warn' as const,
            },
          ]
        : []),
    ],
    trace: [`[system] AUTHORIZED KEY \`${name}\` for ${user} on ${host}${exclusive ? ' (exclusive)' : ''}`],
    record: () => ({ host, user, key, exclusive }),
  };
}

export const systemAuthorizedKeyKind: KindHandler<SystemAuthorizedKeyAttrs> = {
  schema: systemAuthorizedKeySchema,
  identity: ['host', 'user'],
  // A public key is not a secret, and state shows it.
  secrets: { refs: [] },

  // One key once per user; an exclusive key is the only one a user can have.
  claims: ({ attrs }) => ({
    host: attrs.host,
    claims: [
      { type: 'name', space: 'authorized key', value: `${attrs.user} ${keyFingerprint(attrs.key)}` },
      ...(attrs.exclusive
        ? [{ type: 'name' as const, space: 'exclusive authorized key of user', value: attrs.user }]
        : []),
    ],
  }),

  create: (request) => keyOperation(request.name, request.attrs, {}),
  update: (request) =>
    keyOperation(request.name, request.attrs, {
      host: priorString(request.prior, 'host'),
      user: priorString(request.prior, 'user'),
      key: priorString(request.prior, 'key'),
    }),

  delete(request) {
    const user = requirePriorString(request, 'user');
    const key = requirePriorString(request, 'key');
    return {
      host: priorHost(request),
      commands: [
        {
          command: removeKeyCommand(user, key),
          step: `removal of a key of ${user}`,
          onFailure: 'warn',
          okIfOutput: /no user .* on this host/,
        },
      ],
    };
  },

  probe(request) {
    const host = priorHost(request);
    const user = requirePriorString(request, 'user');
    const key = requirePriorString(request, 'key');
    const exclusive = (request.prior as { exclusive?: unknown } | null)?.exclusive === true;
    return {
      host,
      script: authorizedKeyProbeScript(user, key),
      parse: (output, exitCode) => parseAuthorizedKeyProbe({ host, user, exclusive }, output, exitCode),
    };
  },
};
