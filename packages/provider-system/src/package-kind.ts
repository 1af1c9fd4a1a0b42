import type { HostCommand, KindHandler, Observed, Operation, ReadRequest, VectorReader } from '@stratum/core';
import { hostSchema, outputTail, priorHost, priorString, shellQuote } from '@stratum/core/kit';
import { z } from 'zod';
import {
  APT_TIMEOUT_MS,
  APT_UPDATE_ONCE,
  aptInstallCommand,
  aptRemoveCommand,
  aptUpdateCommand,
  UNKNOWN_PACKAGE,
} from './apt';

/** `system_package`: an apt package, present or absent. `name` defaults to the resource label. */
export const systemPackageSchema = z
  .strictObject({
    host: hostSchema.describe(
      'The ssh target the package is managed on (`root@192.0.2.10` or an alias from `~/.ssh/config`).',
    ),
    name: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The apt package name. Defaults to the resource label; set it so the package does not depend on what the resource is called.',
      ),
    state: z
      .enum(['present', 'absent'])
      .default('present')
      .describe(
        '`present` installs the package (after one `apt-get update` per host per run), `absent` removes it.',
      ),
  })
  .describe('An apt package, installed or removed.');

export type SystemPackageAttrs = z.output<typeof systemPackageSchema>;

/**
 * Prints `status=<dpkg status line(s)>` and `rc=<exit>`, or `NO_DPKG` on a host
 * without dpkg. stderr is dropped so a "no packages found" message cannot be
 * mistaken for a status.
 */
export function packageProbeScript(name: string): string {
  return [
    'command -v dpkg-query >/dev/null 2>&1 || { echo NO_DPKG; exit 0; }',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax, not a JS placeholder.
    `s=$(dpkg-query -W -f=${shellQuote('${Status}\\n')} -- ${shellQuote(name)} 2>/dev/null); rc=$?`,
    `printf 'status=%s\\nrc=%s\\n' "$s" "$rc"`,
  ].join('\n');
}

/**
 * Every package of a host read by one `dpkg-query` (one line
 * `<package>|<status>` per installed instance, then `rc=`), answering for
 * each name what {@link packageProbeScript} would print. A name that is a
 * pattern or carries an architecture (`nginx*`, `libc6:i386`) cannot be
 * matched to the lines it produced: its own probe reads it.
 */
export const packageVectorReader: VectorReader = {
  id: 'stratum:dpkg-query',
  script: (names) =>
    [
      'command -v dpkg-query >/dev/null 2>&1 || { echo NO_DPKG; exit 0; }',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax, not a JS placeholder.
      `dpkg-query -W -f=${shellQuote('${Package}|${Status}\n')} -- ${names.map(shellQuote).join(' ')} 2>/dev/null`,
      `printf 'rc=%s\n' "$?"`,
    ].join('\n'),
  split(output, exitCode, names) {
    if (exitCode === 0 && output === 'NO_DPKG\n') return names.map(() => ({ output, exitCode }));
    const lines = output.split('\n');
    if (lines.pop() !== '' || exitCode !== 0) return names.map(() => undefined);
    const rc = lines.pop();
    if (rc !== 'rc=0' && rc !== 'rc=1') return names.map(() => undefined);
    const byName = new Map<string, string[]>();
    for (const line of lines) {
      const bar = line.indexOf('|');
      if (bar <= 0) return names.map(() => undefined);
      const name = line.slice(0, bar);
      byName.set(name, [...(byName.get(name) ?? []), line.slice(bar + 1)]);
    }
    return names.map((name) => {
      if (/[:*?[\]]/.test(name)) return undefined;
      const statuses = byName.get(name);
      if (statuses !== undefined) return { output: `status=${statuses.join('\n')}\nrc=0\n`, exitCode: 0 };
      // Not listed: dpkg knows nothing of it, which made dpkg-query exit 1.
      return rc === 'rc=1' ? { output: 'status=\nrc=1\n', exitCode: 0 } : undefined;
    });
  },
};

/** dpkg's status words that mean "the package is installed". */
const INSTALLED = new Set(['installed', 'triggers-awaited', 'triggers-pending']);
const STATUS = /^(unknown|install|hold|deinstall|purge) (ok|reinstreq) ([a-z-]+)$/;

/**
 * `dpkg-query -W -f='${Status}'` → `{ state: present|absent }`. Only a fully
 * installed package is present; `deinstall ok config-files` (removed, config
 * kept) and "no packages found" are absent.
 */
export function parsePackageProbe(output: string, exitCode: number, where: string): Observed {
  const lines = output.split('\n').map((line) => line.trim());
  if (lines.includes('NO_DPKG')) {
    return { status: 'unknown', reason: `system_package read on ${where}: dpkg-query not found on the host` };
  }
  const rcLine = lines.find((line) => line.startsWith('rc='));
  const statusStart = lines.findIndex((line) => line.startsWith('status='));
  if (exitCode !== 0 || rcLine === undefined || statusStart < 0) {
    return {
      status: 'unknown',
      reason: `system_package read on ${where} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
    };
  }
  const rc = rcLine.slice(3);
  const statuses = [
    lines[statusStart]!.slice('status='.length),
    ...lines.slice(statusStart + 1, lines.indexOf(rcLine)),
  ].filter((line) => line !== '');
  // dpkg-query exits 1 when it knows nothing about the package.
  if (rc === '1' && statuses.length === 0) return { status: 'present', attrs: { state: 'absent' } };
  if (rc !== '0' || statuses.length === 0 || !statuses.every((line) => STATUS.test(line))) {
    return {
      status: 'unknown',
      reason: `system_package read on ${where}: unexpected dpkg-query output ${JSON.stringify(outputTail(output, 5))}`,
    };
  }
  const installed = statuses.some((line) => INSTALLED.has(STATUS.exec(line)![3]!));
  return { status: 'present', attrs: { state: installed ? 'present' : 'absent' } };
}

function packageProbeTarget(request: ReadRequest): { host: string; name: string } {
  return { host: priorHost(request), name: priorString(request.prior, 'name') ?? request.name };
}

/** `apt-get remove`; a package apt has never heard of is already removed. */
function removeCommand(name: string, onFailure: HostCommand['onFailure']): HostCommand {
  return {
    command: aptRemoveCommand(name),
    step: `apt-get remove ${name}`,
    timeoutMs: APT_TIMEOUT_MS,
    okIfOutput: UNKNOWN_PACKAGE,
    onFailure,
  };
}

/**
 * Installs (after `apt-get update`, which the engine runs once per host per
 * run) or removes the package.
 */
function applyPackage(request: { name: string; attrs: SystemPackageAttrs }): Operation {
  const { host, state } = request.attrs;
  const name = request.attrs.name ?? request.name;
  const commands: HostCommand[] =
    state === 'present'
      ? [
          {
            command: aptUpdateCommand(),
            step: 'apt-get update',
            once: APT_UPDATE_ONCE,
            timeoutMs: APT_TIMEOUT_MS,
            hint: 'Check the host’s apt sources and its network access to the mirrors.',
          },
          {
            command: aptInstallCommand(name),
            step: `apt-get install ${name}`,
            timeoutMs: APT_TIMEOUT_MS,
            hint: 'Check the package name (apt-cache policy <name> on the host) and the apt sources.',
          },
        ]
      : [removeCommand(name, 'fail')];
  return {
    host,
    commands,
    trace: [`[system] PACKAGE \`${name}\` ${state} on ${host}`],
    record: () => ({ host, name, state }),
  };
}

/** The `system_package` handler. */
export const systemPackageKind: KindHandler<SystemPackageAttrs> = {
  schema: systemPackageSchema,
  // `name` defaults to the resource label; when written it says which package it is.
  identity: ['host', 'name'],

  create: applyPackage,
  update: applyPackage,

  delete(request) {
    const { host, name } = packageProbeTarget(request);
    // A delete must not stop an apply over a package that will not go: say so and go on.
    return { host, commands: [removeCommand(name, 'warn')] };
  },

  probe(request) {
    const { host, name } = packageProbeTarget(request);
    return {
      host,
      script: packageProbeScript(name),
      parse: (output, exitCode) => parsePackageProbe(output, exitCode, host),
      vector: { reader: packageVectorReader, arg: name },
    };
  },
};
