import type { JsonObject, KindHandler, Observed, ProviderContext, ReadRequest } from '@stratum/core';
import { CommandFailedError, outputTail, shellQuote } from '@stratum/core';
import { z } from 'zod';
import {
  APT_TIMEOUT_MS,
  type AptUpdateMemo,
  aptInstallCommand,
  aptRemoveCommand,
  aptUpdateCommand,
  isUnknownPackage,
} from './apt';
import { addrOf, hostSchema, priorHost, priorString } from './attrs';
import { runLoose, runStep } from './run-step';

/** `system_package`: an apt package, present or absent. `name` defaults to the resource label. */
export const systemPackageSchema = z.strictObject({
  host: hostSchema,
  name: z.string().min(1).optional(),
  state: z.enum(['present', 'absent']).default('present'),
});

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

/** The `system_package` handler; `memo` makes `apt-get update` run once per host per provider. */
export function systemPackageKind(memo: AptUpdateMemo): KindHandler<SystemPackageAttrs> {
  async function apply(
    request: { kind: string; name: string; attrs: SystemPackageAttrs },
    ctx: ProviderContext,
  ) {
    const { host, state } = request.attrs;
    const name = request.attrs.name ?? request.name;
    const resource = addrOf(request);
    if (state === 'present') {
      await memo.once(host, async () => {
        await runStep(ctx, aptUpdateCommand(), {
          resource,
          host,
          step: 'apt-get update',
          timeoutMs: APT_TIMEOUT_MS,
          hint: 'Check the host’s apt sources and its network access to the mirrors.',
        });
      });
      await runStep(ctx, aptInstallCommand(name), {
        resource,
        host,
        step: `apt-get install ${name}`,
        timeoutMs: APT_TIMEOUT_MS,
        hint: 'Check the package name (apt-cache policy <name> on the host) and the apt sources.',
      });
    } else {
      const result = await runLoose(ctx, aptRemoveCommand(name), { host, timeoutMs: APT_TIMEOUT_MS });
      if (result.exitCode !== 0 && !isUnknownPackage(result.stdout + result.stderr)) {
        throw new CommandFailedError({
          resource,
          host,
          step: `apt-get remove ${name}`,
          exitCode: result.exitCode,
          output: result.stderr.trim() === '' ? result.stdout : result.stderr,
        });
      }
    }
    ctx.log.trace(`[system] PACKAGE \`${name}\` ${state} on ${host}`);
    const out: JsonObject = { host, name, state };
    return out;
  }

  return {
    schema: systemPackageSchema,
    create: apply,
    update: apply,

    async delete(request, ctx) {
      const { host, name } = packageProbeTarget(request);
      const result = await runLoose(ctx, aptRemoveCommand(name), { host, timeoutMs: APT_TIMEOUT_MS });
      if (result.exitCode !== 0) {
        ctx.log.warn(
          `${addrOf(request)}: apt-get remove ${name} on ${host} failed (exit ${result.exitCode}); ignored`,
        );
      }
    },

    probe(request) {
      const { host, name } = packageProbeTarget(request);
      return {
        host,
        script: packageProbeScript(name),
        parse: (output, exitCode) => parsePackageProbe(output, exitCode, host),
      };
    },
  };
}
