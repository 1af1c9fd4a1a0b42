import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildPlan } from './plan/build-plan';
import { prepareDesired } from './prepare';
import { Registry } from './registry';
import { redactInto } from './secrets/redact';
import { RedactionMap } from './secrets/redaction-map';
import { createFakeProvider } from './test/fake-provider';
import { desiredResource, stateWith } from './test/state-builders';

/** A kind whose `token` is secret however the config writes it. */
const registry = new Registry([
  createFakeProvider('demo', {
    demo_key: {
      schema: z.strictObject({ host: z.string(), token: z.string(), label: z.string().optional() }),
      secrets: { attrs: ['token'] },
    },
  }),
]);

describe('attributes a kind declares secret, written as literals', () => {
  it('are recorded in the redaction map, so plans and their JSON show markers', async () => {
    const redaction = new RedactionMap({ digestCost: 4 });
    const literal = '-----BEGIN PRIVATE KEY-----abc';
    const { resources } = await prepareDesired(
      [desiredResource('demo_key', 'k', { host: 'h', token: literal, label: 'mine' })],
      registry,
      { redaction },
    );
    expect(redaction.names()).toEqual(['demo_key.k.token']);
    const plan = buildPlan(resources, stateWith(), { redaction, registry });
    const json = JSON.stringify(plan);
    expect(json).not.toContain('BEGIN PRIVATE KEY');
    expect(json).toContain('"__secret":"demo_key.k.token"');
    // The plan itself keeps the plaintext: the step needs it.
    expect((plan.steps[0]!.desired as { token: string }).token).toBe(literal);
  });

  it('a short literal is redacted as a whole value only, not cut out of other words', async () => {
    const redaction = new RedactionMap({ digestCost: 4 });
    await prepareDesired([desiredResource('demo_key', 'k', { host: 'h', token: 'pass' })], registry, {
      redaction,
    });
    expect(redactInto({ token: 'pass', note: 'a passage' }, redaction)).toEqual({
      token: { __secret: 'demo_key.k.token', __secret_sha256: redaction.byName('demo_key.k.token')!.digest },
      note: 'a passage',
    });
    expect(redaction.byName('demo_key.k.token')!.digest).toMatch(/^scrypt:/);
  });

  it('leaves a value already known as a declared secret to that secret, and placeholders as they are', async () => {
    const redaction = new RedactionMap({ digestCost: 4 });
    redaction.add('api', 'value-from-a-secret-block');
    await prepareDesired(
      [
        desiredResource('demo_key', 'a', { host: 'h', token: 'value-from-a-secret-block' }),
        desiredResource('demo_key', 'b', { host: 'h', token: '<unresolved-secret:api>' }),
      ],
      registry,
      { redaction },
    );
    expect(redaction.names()).toEqual(['api']);
  });
});
