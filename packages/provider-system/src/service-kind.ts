import type { HostCommand, JsonObject, KindHandler, Operation, ReadRequest } from '@stratum/core';
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
export const systemServiceSchema = z
  .strictObject({
    host: hostSchema.describe('The ssh target the unit runs on.'),
    name: z.string().min(1).optional().describe('The unit name. Defaults to the resource label.'),
    enabled: z.boolean().default(false).describe('Whether the unit starts at boot.'),
    state: z
      .enum(['started', 'stopped'])
      .default('stopped')
      .describe('Whether the unit runs now: `started` or `stopped`.'),
    /** What a change of a `triggered_by` resource does to the unit. */
    on_trigger: z
      .enum(['restart', 'reload'])
      .default('restart')
      .describe('What a change of a `triggered_by` resource does to the unit: `restart` or `reload`.'),
  })
  .describe('A systemd unit: whether it starts at boot and whether it runs now are set separately.');

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

function applyService(request: { name: string; attrs: SystemServiceAttrs; raw: JsonObject }): Operation {
  const { host, enabled, state, on_trigger } = request.attrs;
  const unit = request.attrs.name ?? request.name;
  return {
    host,
    commands: serviceSteps(enabled, state).map((step) => stepCommand(step, unit)),
    trace: [`[system] SERVICE \`${unit}\` enabled=${enabled} state=${state} on ${host}`],
    // `on_trigger` only when the config wrote it: state stays the spec's shape for every other unit.
    record: () => ({
      host,
      name: unit,
      enabled,
      state,
      ...(request.raw.on_trigger === undefined ? {} : { on_trigger }),
    }),
  };
}

/**
 * The re-run a changed `triggered_by` resource calls for. A unit meant to run
 * is restarted (or reloaded) and waited on; a unit meant to be stopped only if
 * it happens to run (`try-`), so a trigger never starts what the config stops.
 */
function rerunService(request: { name: string; attrs: SystemServiceAttrs }): Operation {
  const { host, state, on_trigger } = request.attrs;
  const unit = request.attrs.name ?? request.name;
  const verb: SystemctlVerb =
    state === 'started' ? on_trigger : on_trigger === 'reload' ? 'try-reload-or-restart' : 'try-restart';
  const commands: HostCommand[] = [
    {
      command: systemctlCommand(verb, unit),
      step: `systemctl ${verb} ${unit}`,
      hint:
        verb === 'reload'
          ? `Check that ${unit} supports reload (ExecReload=), or set on_trigger = "restart".`
          : `Read the unit's status (systemctl status ${unit}), fix it, then apply again.`,
    },
  ];
  if (state === 'started') commands.push(waitActive(unit));
  return { host, commands, trace: [`[system] SERVICE \`${unit}\` ${on_trigger} on ${host}`] };
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
  // A unit's update never restarts a running unit, so the re-run always follows it.
  trigger: {
    verb: (raw) => (raw.on_trigger === 'reload' ? 'reload' : 'restart'),
    operation: rerunService,
  },

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
