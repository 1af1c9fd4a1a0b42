import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KindHandler } from './provider';
import { Registry } from './registry';
import { createFakeProvider } from './test/fake-provider';
import { desiredResource } from './test/state-builders';
import type { JsonObject, ResourceSource, SecretRefSite } from './types';
import { validateDesired } from './validate';

const schema = z.record(z.string(), z.json());

const registry = new Registry([
  createFakeProvider('demo', {
    demo_file: {
      schema,
      identity: ['host', 'path'],
      secrets: { refs: ['env', 'password'], refusedHint: 'use demo_secret for file content' },
    },
    demo_listed: { schema, identity: ['host'], secrets: { refs: ['env', 'host'] } },
    demo_none: { schema, secrets: { refs: [] } },
    demo_any: { schema, identity: ['host', 'name'], secrets: { refs: '*' } },
    demo_default: { schema, identity: ['host'] },
    demo_strict: { schema: z.strictObject({ host: z.string() }) as KindHandler<JsonObject>['schema'] },
  }),
]);

const at = (line: number, column = 5) => ({ file: 'app.strat', line, column });
const ref = (attr: string, line: number, secret = 'pg'): SecretRefSite => ({
  attr,
  secret,
  location: at(line),
});

function check(kind: string, refs: SecretRefSite[], attrs: JsonObject = { host: 'h' }) {
  const source: ResourceSource = { block: at(1, 1), attrs: { host: at(2) }, secretRefs: refs };
  return validateDesired([desiredResource(kind, 'a', attrs, source)], registry);
}

describe('secret placement', () => {
  it('refuses a reference in an identity attribute, at the reference', () => {
    expect(check('demo_file', [ref('path', 4)])).toEqual([
      {
        severity: 'error',
        code: 'SecretInUnsupportedAttr',
        message:
          'demo_file.a: secret reference not allowed in `demo_file.path` — it names the resource on its host, and state records it in the clear',
        addr: { kind: 'demo_file', name: 'a' },
        location: at(4),
        hint: 'write the value itself here; secrets belong in the attributes that deliver them',
      },
    ]);
  });

  it('refuses an identity attribute even when the accept list names it', () => {
    const [diagnostic] = check('demo_listed', [ref('host', 2)]);
    expect(diagnostic?.message).toMatch(/`demo_listed.host` — it names the resource on its host/);
  });

  it('refuses an attribute outside the accept list, with the kind’s refusedHint', () => {
    expect(check('demo_file', [ref('content', 7)])).toEqual([
      {
        severity: 'error',
        code: 'SecretInUnsupportedAttr',
        message:
          'demo_file.a: secret reference not allowed in `demo_file.content` — secrets must be in single-leaf string attrs (e.g. inside `env`), not embedded in file content or path strings',
        addr: { kind: 'demo_file', name: 'a' },
        location: at(7),
        hint: 'use demo_secret for file content',
      },
    ]);
  });

  it('without a refusedHint, says where the kind takes secrets', () => {
    expect(check('demo_listed', [ref('content', 3)])[0]?.hint).toBe(
      '`demo_listed` takes secrets in: env, host',
    );
    expect(check('demo_none', [ref('env', 3)])[0]?.hint).toBe('`demo_none` takes secrets in: no attribute');
    expect(check('demo_any', [ref('name', 3)])[0]?.message).toMatch(/it names the resource/);
  });

  it('accepts listed attributes, and with `*` (the default) any attribute but the identity', () => {
    expect(check('demo_file', [ref('env', 3), ref('password', 4)])).toEqual([]);
    expect(check('demo_any', [ref('env', 3), ref('content', 4), ref('whatever', 5)])).toEqual([]);
    expect(check('demo_default', [ref('content', 4)])).toEqual([]);
    expect(check('demo_default', [ref('host', 4)]).map((d) => d.code)).toEqual(['SecretInUnsupportedAttr']);
    expect(check('demo_strict', [ref('host', 2)])).toEqual([]);
  });

  it('reports one refused attribute once, at its first reference, and each refused attribute', () => {
    const diagnostics = check('demo_file', [
      ref('content', 3, 'a'),
      ref('env', 4),
      ref('content', 5, 'b'),
      ref('path', 6),
      ref('path', 7),
    ]);
    expect(diagnostics.map((d) => [d.message.match(/`demo_file\.(\w+)`/)?.[1], d.location?.line])).toEqual([
      ['content', 3],
      ['path', 6],
    ]);
  });

  it('reports placement before the schema’s problems, and nothing without references', () => {
    const source: ResourceSource = {
      block: at(1, 1),
      attrs: {},
      secretRefs: [{ attr: 'host', secret: 'pg', location: at(2) }],
    };
    const diagnostics = validateDesired(
      [
        desiredResource('demo_default', 'a', { host: 'h' }, source),
        desiredResource('demo_strict', 'b', { host: 1 }),
      ],
      registry,
    );
    expect(diagnostics.map((d) => d.code)).toEqual(['SecretInUnsupportedAttr', 'WrongType']);
    expect(check('demo_file', [])).toEqual([]);
    expect(validateDesired([desiredResource('demo_file', 'a', { host: 'h', path: '/x' })], registry)).toEqual(
      [],
    );
  });

  it('leaves a kind that is not loaded to the unknown-kind diagnostic', () => {
    const diagnostics = check('demo_ghost', [ref('host', 2)]);
    expect(diagnostics.map((d) => d.code)).toEqual(['UnknownKind']);
  });
});
