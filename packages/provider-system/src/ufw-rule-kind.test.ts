import { Registry, validateDesired } from '@stratum/core';
import {
  createRecordingTransport,
  createTestContext,
  desiredResource,
  respondByCommand,
  runStep,
} from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { createSystemProvider } from './system-provider';
import { observeUfwRule, systemUfwRuleKind, systemUfwRuleSchema } from './ufw-rule-kind';

const kind = systemUfwRuleKind;
const ADDED = (rules: string[]) =>
  `Added user rules (see 'ufw status' for running firewall):\n${rules.length === 0 ? '(None)' : rules.join('\n')}\nUFW_RC=0\n`;
const target = { host: 'root@h', port: '22/tcp', rule: 'allow' };

describe('system_ufw_rule schema', () => {
  it('requires host, port and rule', () => {
    expect(systemUfwRuleSchema.parse({ host: 'h', port: '22/tcp', rule: 'allow' })).toEqual({
      host: 'h',
      port: '22/tcp',
      rule: 'allow',
    });
    expect(systemUfwRuleSchema.safeParse({ host: 'h', port: '22/tcp' }).success).toBe(false);
    expect(systemUfwRuleSchema.safeParse({ host: 'h', port: '22/tcp', rule: 'permit' }).success).toBe(false);
    expect(systemUfwRuleSchema.safeParse({ host: 'h', port: '22 tcp', rule: 'allow' }).success).toBe(false);
    expect(systemUfwRuleSchema.safeParse({ host: 'h', port: '--force', rule: 'allow' }).success).toBe(false);
    expect(
      systemUfwRuleSchema.safeParse({ host: 'h', port: '22', rule: 'allow', comment: 'x' }).success,
    ).toBe(false);
  });
});

describe('system_ufw_rule read', () => {
  it('present when `ufw show added` lists exactly the rule', () => {
    expect(observeUfwRule(target, ADDED(['ufw allow 80/tcp', 'ufw allow 22/tcp']), 0)).toEqual({
      status: 'present',
      attrs: { host: 'root@h', port: '22/tcp', rule: 'allow' },
    });
  });
  it.each([
    ['no rules', ADDED([])],
    ['another port', ADDED(['ufw allow 2222/tcp'])],
    ['another action', ADDED(['ufw deny 22/tcp'])],
    [
      'a rule with an address is a different rule',
      ADDED(['ufw allow from 10.0.0.0/8 to any port 22 proto tcp']),
    ],
    ['a rule with a direction', ADDED(['ufw allow in 22/tcp'])],
  ])('absent with %s', (_what, output) => {
    expect(observeUfwRule(target, output, 0)).toEqual({ status: 'absent' });
  });
  it('unknown when ufw is missing, refuses, or prints garbage', () => {
    expect(observeUfwRule(target, 'NO_UFW\n', 0)).toEqual({
      status: 'unknown',
      reason: 'system_ufw_rule read on root@h: ufw is not installed on the host',
    });
    expect(
      observeUfwRule(target, 'ERROR: You need to be root to run this script\nUFW_RC=1\n', 0).status,
    ).toBe('unknown');
    expect(observeUfwRule(target, 'ufw allow 22/tcp\n', 0).status).toBe('unknown');
    expect(observeUfwRule(target, '', 0).status).toBe('unknown');
  });
});

describe('system_ufw_rule apply', () => {
  it('create runs `ufw <rule> <port>` and traces it', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^ufw allow/, 'Rules updated\n']]));
    const ctx = createTestContext(transport);
    const run = await runStep(
      kind,
      { action: 'create', kind: 'system_ufw_rule', name: 'ssh', attrs: target },
      ctx,
    );
    expect(run.recorded).toEqual(target);
    expect(transport.commands()).toEqual(['ufw allow 22/tcp']);
    expect(ctx.traces()).toEqual(['[system] UFW allow 22/tcp on root@h']);
  });

  it('a failed rule fails the step with ufw’s message', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^ufw allow/, { exitCode: 1, stderr: 'ERROR: Bad port\n' }]]),
    );
    const ctx = createTestContext(transport);
    await expect(
      runStep(kind, { action: 'create', kind: 'system_ufw_rule', name: 'ssh', attrs: target }, ctx),
    ).rejects.toMatchObject({
      code: 'CommandFailed',
      message: 'system_ufw_rule.ssh: ufw allow 22/tcp failed on root@h (exit 1):\nERROR: Bad port',
    });
    expect(ctx.traces()).toEqual([]);
  });

  it('update adds the new rule before removing the one it replaces', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^ufw /, '']]));
    const ctx = createTestContext(transport);
    await runStep(
      kind,
      {
        action: 'update',
        kind: 'system_ufw_rule',
        name: 'ssh',
        attrs: { ...target, port: '2222/tcp' },
        prior: target,
      },
      ctx,
    );
    expect(transport.commands()).toEqual(['ufw allow 2222/tcp', 'ufw delete allow 22/tcp']);
    expect(ctx.traces()).toEqual(['[system] UFW allow 2222/tcp on root@h']);
  });

  it('update removes the old rule on the host it was on', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^ufw /, '']]));
    await runStep(
      kind,
      {
        action: 'update',
        kind: 'system_ufw_rule',
        name: 'ssh',
        attrs: { ...target, host: 'root@new' },
        prior: target,
      },
      createTestContext(transport),
    );
    expect(transport.calls.map((c) => `${c.host} ${c.command}`)).toEqual([
      'root@new ufw allow 22/tcp',
      'root@h ufw delete allow 22/tcp',
    ]);
  });

  it('update with the same rule only re-applies it (ufw skips an existing rule)', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^ufw /, 'Skipping adding existing rule\n']]),
    );
    await runStep(
      kind,
      { action: 'update', kind: 'system_ufw_rule', name: 'ssh', attrs: target, prior: target },
      createTestContext(transport),
    );
    expect(transport.commands()).toEqual(['ufw allow 22/tcp']);
  });

  it('delete is best-effort', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^ufw delete/, { exitCode: 1, stderr: 'ERROR' }]]),
    );
    const ctx = createTestContext(transport);
    await runStep(kind, { action: 'delete', kind: 'system_ufw_rule', name: 'ssh', prior: target }, ctx);
    expect(ctx.warnings()).toEqual([
      'system_ufw_rule.ssh: ufw delete allow 22/tcp on root@h failed (exit 1); ignored: ERROR',
    ]);
  });

  it('delete of a state entry without port or rule runs nothing', async () => {
    const transport = createRecordingTransport();
    const run = await runStep(
      kind,
      { action: 'delete', kind: 'system_ufw_rule', name: 'ssh', prior: { host: 'root@h' } },
      createTestContext(transport),
    );
    expect(run.operation.commands).toEqual([]);
    expect(transport.calls).toEqual([]);
  });
});

describe('system_ufw_rule hooks', () => {
  it('host, port and rule say which rule it is: no secret reference there', () => {
    expect(kind.identity).toEqual(['host', 'port', 'rule']);
    const at = { line: 1, column: 1 };
    const codes = (attr: string) =>
      validateDesired(
        [
          desiredResource('system_ufw_rule', 'ssh', target, {
            block: at,
            attrs: {},
            secretRefs: [{ attr, secret: 's', location: at }],
          }),
        ],
        new Registry([createSystemProvider()]),
      ).map((d) => d.code);
    for (const attr of ['host', 'port', 'rule']) expect(codes(attr)).toEqual(['SecretInUnsupportedAttr']);
  });
});
