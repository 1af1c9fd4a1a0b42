import type { JsonObject, KindHandler, ProviderContext, ReadRequest } from '@stratum/core';
import { CommandFailedError, outputTail } from '@stratum/core';
import { z } from 'zod';
import { addrOf, hostSchema, priorHost, priorString } from './attrs';
import { runLoose, runStep } from './run-step';
import {
  ACTIVE_WAIT_SECONDS,
  disableNowCommand,
  isSparse,
  journalCommand,
  parseServiceProbe,
  type SystemctlVerb,
  serviceProbeScript,
  statusCommand,
  systemctlCommand,
  waitActiveCommand,
} from './service-commands';

/** `system_service`: a systemd unit; boot enablement and running state are set independently. */
export const systemServiceSchema = z.strictObject({
  host: hostSchema,
  name: z.string().min(1).optional(),
  enabled: z.boolean().default(false),
  state: z.enum(['started', 'stopped']).default('stopped'),
});

export type SystemServiceAttrs = z.output<typeof systemServiceSchema>;

/** One step of bringing a unit to its desired state. */
export type ServiceStep = { verb: SystemctlVerb; bestEffort: boolean } | { verb: 'wait-active' };

/**
 * The order of operations for each (enabled, state) pair. Enabling comes first
 * so a unit that fails to start is still enabled as asked; disabling before a
 * start and stopping before a disable are best-effort because the unit may
 * already be in that state (or not loaded at all).
 */
export function serviceSteps(enabled: boolean, state: 'started' | 'stopped'): ServiceStep[] {
  if (enabled && state === 'started') {
    return [
      { verb: 'enable', bestEffort: false },
      { verb: 'start', bestEffort: false },
      { verb: 'wait-active' },
    ];
  }
  if (enabled)
    return [
      { verb: 'enable', bestEffort: false },
      { verb: 'stop', bestEffort: false },
    ];
  if (state === 'stopped')
    return [
      { verb: 'stop', bestEffort: true },
      { verb: 'disable', bestEffort: false },
    ];
  return [
    { verb: 'disable', bestEffort: true },
    { verb: 'start', bestEffort: false },
    { verb: 'wait-active' },
  ];
}

async function waitActive(ctx: ProviderContext, resource: string, host: string, unit: string): Promise<void> {
  const wait = await runLoose(ctx, waitActiveCommand(unit), {
    host,
    timeoutMs: (ACTIVE_WAIT_SECONDS + 30) * 1000,
  });
  if (wait.exitCode === 0) return;
  // systemctl status exits 3 for an inactive unit: its output is what matters, not its exit code.
  const status = await runLoose(ctx, statusCommand(unit), { host });
  const statusText = (status.stdout + status.stderr).trim();
  let detail = `systemctl status:\n${outputTail(statusText, 20)}`;
  if (isSparse(statusText)) {
    const journal = await runLoose(ctx, journalCommand(unit), { host });
    detail += `\njournalctl -u ${unit}:\n${outputTail((journal.stdout + journal.stderr).trim(), 50)}`;
  }
  throw new CommandFailedError({
    resource,
    host,
    step: `waiting for ${unit} to become active`,
    exitCode: wait.exitCode,
    output: `${unit} was not active after ${ACTIVE_WAIT_SECONDS}s`,
    detail,
    hint: `Read the unit's status and journal above; fix the unit or its configuration, then apply again.`,
  });
}

async function applyService(
  request: { kind: string; name: string; attrs: SystemServiceAttrs },
  ctx: ProviderContext,
): Promise<JsonObject> {
  const { host, enabled, state } = request.attrs;
  const unit = request.attrs.name ?? request.name;
  const resource = addrOf(request);
  for (const step of serviceSteps(enabled, state)) {
    if (step.verb === 'wait-active') {
      await waitActive(ctx, resource, host, unit);
    } else if (step.bestEffort) {
      await runLoose(ctx, systemctlCommand(step.verb, unit), { host });
    } else {
      await runStep(ctx, systemctlCommand(step.verb, unit), {
        resource,
        host,
        step: `systemctl ${step.verb} ${unit}`,
        hint: `Check that the unit exists on the host (systemctl list-unit-files ${unit}).`,
      });
    }
  }
  ctx.log.trace(`[system] SERVICE \`${unit}\` enabled=${enabled} state=${state} on ${host}`);
  return { host, name: unit, enabled, state };
}

function unitOf(request: ReadRequest): { host: string; unit: string } {
  return { host: priorHost(request), unit: priorString(request.prior, 'name') ?? request.name };
}

export const systemServiceKind: KindHandler<SystemServiceAttrs> = {
  schema: systemServiceSchema,
  create: applyService,
  update: applyService,

  async delete(request, ctx) {
    const { host, unit } = unitOf(request);
    const result = await runLoose(ctx, disableNowCommand(unit), { host });
    if (result.exitCode !== 0) {
      ctx.log.warn(
        `${addrOf(request)}: systemctl disable --now ${unit} on ${host} failed (exit ${result.exitCode}); ignored`,
      );
    }
  },

  probe(request) {
    const { host, unit } = unitOf(request);
    return {
      host,
      script: serviceProbeScript(unit),
      parse(output, exitCode) {
        const parsed = exitCode === 0 ? parseServiceProbe(output) : undefined;
        if (parsed === 'no-systemctl') {
          return {
            status: 'unknown',
            reason: `system_service read on ${host}: systemctl not found on the host`,
          };
        }
        if (parsed === undefined) {
          return {
            status: 'unknown',
            reason: `system_service read of ${unit} on ${host} failed (exit ${exitCode}): ${JSON.stringify(outputTail(output, 5))}`,
          };
        }
        return { status: 'present', attrs: parsed };
      },
    };
  },
};
