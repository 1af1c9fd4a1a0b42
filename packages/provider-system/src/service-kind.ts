import type { HostCommand, KindHandler, Operation, ReadRequest } from '@stratum/core';
import { hostSchema, outputTail, priorHost, priorString } from '@stratum/core/kit';
import { z } from 'zod';
import {
  ACTIVE_WAIT_SECONDS,
  disableNowCommand,
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

/**
 * Waits on the host for a started unit to be active. When it never gets
 * there, the unit's status and journal go into the error: they say why.
 */
function waitActive(unit: string): HostCommand {
  return {
    command: waitActiveCommand(unit),
    step: `waiting for ${unit} to become active`,
    timeoutMs: (ACTIVE_WAIT_SECONDS + 30) * 1000,
    explain: [
      { command: statusCommand(unit), title: 'systemctl status', lines: 20 },
      { command: journalCommand(unit), title: `journalctl -u ${unit}`, lines: 50 },
    ],
    hint: `Read the unit's status and journal above; fix the unit or its configuration, then apply again.`,
  };
}

function stepCommand(step: ServiceStep, unit: string): HostCommand {
  if (step.verb === 'wait-active') return waitActive(unit);
  return {
    command: systemctlCommand(step.verb, unit),
    step: `systemctl ${step.verb} ${unit}`,
    // A best-effort step's failure means the unit already is where the next step takes it.
    onFailure: step.bestEffort ? 'ignore' : 'fail',
    hint: step.bestEffort
      ? undefined
      : `Check that the unit exists on the host (systemctl list-unit-files ${unit}).`,
  };
}

function applyService(request: { name: string; attrs: SystemServiceAttrs }): Operation {
  const { host, enabled, state } = request.attrs;
  const unit = request.attrs.name ?? request.name;
  return {
    host,
    commands: serviceSteps(enabled, state).map((step) => stepCommand(step, unit)),
    trace: [`[system] SERVICE \`${unit}\` enabled=${enabled} state=${state} on ${host}`],
    record: () => ({ host, name: unit, enabled, state }),
  };
}

function unitOf(request: ReadRequest): { host: string; unit: string } {
  return { host: priorHost(request), unit: priorString(request.prior, 'name') ?? request.name };
}

export const systemServiceKind: KindHandler<SystemServiceAttrs> = {
  schema: systemServiceSchema,
  // `name` defaults to the resource label; when written it says which unit it is.
  identity: ['host', 'name'],

  create: applyService,
  update: applyService,

  delete(request) {
    const { host, unit } = unitOf(request);
    return {
      host,
      commands: [
        { command: disableNowCommand(unit), step: `systemctl disable --now ${unit}`, onFailure: 'warn' },
      ],
    };
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
