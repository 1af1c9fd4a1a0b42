import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Provider } from './provider';
import { Registry } from './registry';
import type { JsonObject } from './types';
import {
  PROVIDER_SOURCE_ATTR,
  type ProviderSettings,
  parseProviderSettings,
  providerSettingsOf,
  validateProviderSettings,
} from './validate';

const withSchema: Provider = {
  name: 'cloud',
  kinds: {},
  configSchema: z.strictObject({
    token: z.string(),
    region: z.string().default('ams3'),
    retries: z.number().int().optional(),
  }),
};
const withoutSchema: Provider = { name: 'plain', kinds: {} };
const registry = new Registry([withSchema, withoutSchema]);

const loc = (line: number, column = 3) => ({ file: 'providers.strat', line, column });

function block(name: string, attrs: JsonObject, located = true): ProviderSettings {
  return {
    name,
    attrs,
    ...(located
      ? {
          source: {
            block: loc(1, 1),
            attrs: Object.fromEntries(Object.keys(attrs).map((key, i) => [key, loc(i + 2)])),
          },
        }
      : {}),
  };
}

describe('validateProviderSettings', () => {
  it('accepts valid settings, ignoring `source`', () => {
    expect(
      validateProviderSettings([block('cloud', { source: '@acme/cloud', token: 't', retries: 2 })], registry),
    ).toEqual([]);
    expect(validateProviderSettings([block('plain', { source: './plain.js' })], registry)).toEqual([]);
    expect(PROVIDER_SOURCE_ATTR).toBe('source');
  });

  it('refuses an unknown setting with a did-you-mean, at the setting', () => {
    expect(validateProviderSettings([block('cloud', { token: 't', regoin: 'x' })], registry)).toEqual([
      {
        severity: 'error',
        code: 'UnknownAttribute',
        message: 'provider `cloud`: unknown setting `regoin` (did you mean `region`?)',
        addr: { kind: 'provider', name: 'cloud' },
        location: loc(3),
        hint: undefined,
      },
    ]);
  });

  it('lists the known settings when nothing is close', () => {
    const [diagnostic] = validateProviderSettings([block('cloud', { token: 't', zzzzzzzz: 1 })], registry);
    expect(diagnostic?.message).toBe('provider `cloud`: unknown setting `zzzzzzzz`');
    expect(diagnostic?.hint).toBe('known settings: token, region, retries');
  });

  it('reports a missing setting at the block and a mistyped one at the setting', () => {
    const diagnostics = validateProviderSettings(
      [block('cloud', { source: 'x', retries: 'many' })],
      registry,
    );
    expect(diagnostics.map((d) => [d.code, d.message, d.location])).toEqual([
      ['MissingAttribute', 'provider `cloud`: missing required setting `token`', loc(1, 1)],
      ['WrongType', 'provider `cloud`: setting `retries` must be an integer, got string', loc(3)],
    ]);
  });

  it('refuses a block for a provider that is not loaded, naming the loaded ones', () => {
    expect(validateProviderSettings([block('ghost', { source: '@acme/ghost' })], registry)).toEqual([
      {
        severity: 'error',
        code: 'UnknownProvider',
        message: 'provider `ghost`: no provider of that name is loaded',
        addr: { kind: 'provider', name: 'ghost' },
        location: loc(1, 1),
        hint: 'loaded providers: cloud, plain; load another with `source = "<npm package>"`',
      },
    ]);
  });

  it('refuses every setting of a provider without a schema', () => {
    const diagnostics = validateProviderSettings(
      [block('plain', { source: 'x', verbose: true, level: 2 })],
      registry,
    );
    expect(diagnostics.map((d) => [d.code, d.message, d.location, d.hint])).toEqual([
      [
        'UnknownAttribute',
        'provider `plain`: unknown setting `verbose` (this provider takes no settings)',
        loc(3),
        'remove it, or the whole block',
      ],
      [
        'UnknownAttribute',
        'provider `plain`: unknown setting `level` (this provider takes no settings)',
        loc(4),
        'remove it, or the whole block',
      ],
    ]);
  });

  it('has no location for a block not from a file, and checks every block', () => {
    const diagnostics = validateProviderSettings(
      [block('plain', { x: 1 }, false), block('ghost', {}, false)],
      registry,
    );
    expect(diagnostics.map((d) => [d.code, d.location])).toEqual([
      ['UnknownAttribute', undefined],
      ['UnknownProvider', undefined],
    ]);
  });
});

describe('parseProviderSettings / providerSettingsOf', () => {
  it('drops only `source`', () => {
    expect(providerSettingsOf(block('cloud', { source: 'x', token: 't', sources: 1 }))).toEqual({
      token: 't',
      sources: 1,
    });
  });

  it('parses by the schema, defaults filled, without `source`', () => {
    expect(parseProviderSettings(block('cloud', { source: 'x', token: 't' }), withSchema)).toEqual({
      token: 't',
      region: 'ams3',
    });
    expect(parseProviderSettings(block('plain', { source: 'x' }), withoutSchema)).toEqual({});
  });

  it('throws for settings the schema refuses', () => {
    expect(() => parseProviderSettings(block('cloud', {}), withSchema)).toThrow();
  });
});
