import { createRecordingTransport, createTestContext, respondByCommand } from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { createSystemProvider } from './system-provider';
import { observeUfwRule, systemUfwRuleSchema } from './ufw-rule-kind';

const kind = createSystemProvider().kinds.system_ufw_rule!;
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
    const state = await kind.create({ kind: 'system_ufw_rule', name: 'ssh', attrs: target, raw: {} }, ctx);
    expect(state).toEqual(target);
    expect(transport.commands()).toEqual(['ufw allow 22/tcp']);
    expect(ctx.traces()).toEqual(['[system] UFW allow 22/tcp on root@h']);
  });

  it('update adds the new rule before removing the one it replaces', async () => {
    const transport = createRecordingTransport(respondByCommand([[/^ufw /, '']]));
    await kind.update(
      {
        kind: 'system_ufw_rule',
        name: 'ssh',
        attrs: { ...target, port: '2222/tcp' },
        raw: {},
        prior: target,
      },
      createTestContext(transport),
    );
    expect(transport.commands()).toEqual(['ufw allow 2222/tcp', 'ufw delete allow 22/tcp']);
  });

  it('delete is best-effort', async () => {
    const transport = createRecordingTransport(
      respondByCommand([[/^ufw delete/, { exitCode: 1, stderr: 'ERROR' }]]),
    );
    const ctx = createTestContext(transport);
    await kind.delete({ kind: 'system_ufw_rule', name: 'ssh', prior: target }, ctx);
    expect(ctx.warnings()).toEqual([
      'system_ufw_rule.ssh: ufw delete allow 22/tcp on root@h failed (exit 1); ignored',
    ]);
  });
});
