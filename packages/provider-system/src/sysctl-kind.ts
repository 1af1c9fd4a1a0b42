import type { HostCommand, JsonObject, JsonValue, KindHandler, Observed, Operation } from '@stratum/core';
import { hostSchema, outputTail, priorString, requirePriorString, shellQuote } from '@stratum/core/kit';
import { z } from 'zod';
import { installFile, removeFileCommand } from './file-install';

/** `system_sysctl`: a kernel parameter set live and persisted under /etc/sysctl.d/. */
export const systemSysctlSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target whose kernel is tuned.'),
    /** `net.ipv4.ip_forward`, `vm.swappiness`: dots, as `sysctl` prints them. */
    key: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'expected a sysctl key such as "net.ipv4.ip_forward"')
      .describe('The key as `sysctl` prints it (`net.ipv4.ip_forward`, `vm.swappiness`).'),
    /** A number is written as its decimal form; several values are separated by spaces. */
    value: z
      .union([z.string(), z.number()])
      .transform((value) => String(value))
      .refine(
        (value) => value.trim() !== '' && !/[\0\n=]/.test(value),
        'a sysctl value must not be empty or contain a newline, a NUL byte or "="',
      )
      .describe(
        'The value; a number is written in decimal, several values are separated by spaces (`"1024 65000"`).',
      ),
    /** The file is /etc/sysctl.d/<prefix>-<key>.conf; files are applied in name order at boot. */
    prefix: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'expected a file name prefix such as "90-stratum"')
      .default('90-stratum')
      .describe('The file name prefix; files under `/etc/sysctl.d` apply in name order at boot.'),
  })
  .describe(
    'A kernel parameter, set live with `sysctl -w` and persisted for the next boot in `/etc/sysctl.d/<prefix>-<key>.conf`.',
  );

export type SystemSysctlAttrs = z.output<typeof systemSysctlSchema>;

/** Where the setting is persisted. */
export function sysctlPath(prefix: string, key: string): string {
  return `/etc/sysctl.d/${prefix}-${key}.conf`;
}

/** `sysctl` prints several values with tabs between them: compare them by their words. */
export function normalizeSysctlValue(value: string): string {
  return value.trim().split(/\s+/).join(' ');
}

/** Prints `VALUE|<live value>` then `FILE|<value the file sets>` (empty without the file), or `NO_KEY|<error>`. */
export function sysctlProbeScript(key: string, path: string): string {
  return [
    `k=${shellQuote(key)}; f=${shellQuote(path)}`,
    'v=$(sysctl -n -- "$k" 2>&1) || { printf \'NO_KEY|%s\\n\' "$v"; exit 0; }',
    "printf 'VALUE|%s\\n' \"$v\" | tr '\\t' ' '",
    // The last assignment of the key in the file wins, as for sysctl itself.
    'if [ -e "$f" ]; then w=$(sed -n "s/^[[:space:]]*$k[[:space:]]*=[[:space:]]*//p" -- "$f" | tail -n 1); else w=; fi',
    'printf \'FILE|%s\\n\' "$w"',
  ].join('\n');
}

/**
 * `{ host, key, value, persisted }`: `value` is the live one (in the prior's
 * spelling when it means the same), `persisted` whether the file sets that
 * value for boot. A key the kernel does not know reads as absent.
 */
export function parseSysctlProbe(
  target: { host: string; key: string; prior: string | undefined },
  output: string,
  exitCode: number,
): Observed {
  const { host, key } = target;
  if (exitCode === 0 && output.startsWith('NO_KEY|')) return { status: 'absent' };
  const match = exitCode === 0 ? /^VALUE\|([^\n]*)\nFILE\|([^\n]*)\n$/.exec(output) : null;
  if (!match) {
    return {
      status: 'unknown',
      reason: `system_sysctl read of ${key} on ${host} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
    };
  }
  const live = normalizeSysctlValue(match[1]!);
  const prior = target.prior;
  const same = prior !== undefined && normalizeSysctlValue(prior) === live;
  return {
    status: 'present',
    attrs: {
      host,
      key,
      value: same ? prior : live,
      persisted: normalizeSysctlValue(match[2]!) === normalizeSysctlValue(prior ?? live),
    },
  };
}

function stateOf(attrs: SystemSysctlAttrs): JsonObject {
  return { host: attrs.host, key: attrs.key, value: attrs.value, prefix: attrs.prefix, persisted: true };
}

function setOperation(name: string, attrs: SystemSysctlAttrs, prior: JsonValue | undefined): Operation {
  const { host, key, value, prefix } = attrs;
  const path = sysctlPath(prefix, key);
  const oldPrefix = priorString(prior, 'prefix');
  const oldKey = priorString(prior, 'key');
  const oldPath = oldPrefix !== undefined && oldKey !== undefined ? sysctlPath(oldPrefix, oldKey) : path;
  // A renamed file would otherwise keep setting the old value at boot.
  const cleanup: HostCommand[] =
    oldPath === path
      ? []
      : [{ command: removeFileCommand(oldPath), step: `removal of ${oldPath}`, onFailure: 'warn' }];
  return {
    host,
    commands: [
      // Live first: a value the kernel refuses is never persisted for the next boot.
      {
        command: `sysctl -w -- ${shellQuote(`${key}=${normalizeSysctlValue(value)}`)}`,
        step: `sysctl -w ${key}`,
        hint: `If the message says read-only or permission denied, ${key} cannot be set on this host (in a container it belongs to the machine's kernel: set it there); otherwise check the key (sysctl -a) and the value.`,
      },
      installFile(
        { path, mode: '0644', owner: 'root', group: 'root' },
        `${key} = ${normalizeSysctlValue(value)}\n`,
      ),
      ...cleanup,
    ],
    trace: [`[system] SYSCTL \`${name}\` ${key} on ${host} (${path})`],
    record: () => stateOf(attrs),
  };
}

export const systemSysctlKind: KindHandler<SystemSysctlAttrs> = {
  schema: systemSysctlSchema,
  identity: ['host', 'key'],
  secrets: { refs: [] },

  // State records `persisted: true` once the file is written; the plan compares like with like.
  // planView sees the config's attrs: parse them so defaults and the number-to-text rule apply too.
  planView(attrs) {
    const parsed = systemSysctlSchema.safeParse(attrs);
    return parsed.success ? stateOf(parsed.data) : attrs;
  },

  claims: ({ attrs }) => ({
    host: attrs.host,
    claims: [{ type: 'name', space: 'sysctl key', value: attrs.key }],
  }),

  create: (request) => setOperation(request.name, request.attrs, undefined),
  update: (request) => setOperation(request.name, request.attrs, request.prior),

  // The file goes; the live value stays until the next boot (there is no "default" to put back).
  delete(request) {
    const host = requirePriorString(request, 'host');
    const key = requirePriorString(request, 'key');
    const path = sysctlPath(priorString(request.prior, 'prefix') ?? '90-stratum', key);
    return { host, commands: [{ command: removeFileCommand(path), step: `removal of ${path}` }] };
  },

  probe(request) {
    const host = requirePriorString(request, 'host');
    const key = requirePriorString(request, 'key');
    const path = sysctlPath(priorString(request.prior, 'prefix') ?? '90-stratum', key);
    const prior = priorString(request.prior, 'value');
    return {
      host,
      script: sysctlProbeScript(key, path),
      parse: (output, exitCode) => parseSysctlProbe({ host, key, prior }, output, exitCode),
    };
  },
};
