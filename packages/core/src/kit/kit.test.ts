import { describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import * as kit from './index';
import {
  absolutePathSchema,
  accountSchema,
  addrOf,
  compact,
  envNameSchema,
  fourDigitMode,
  hostSchema,
  modeValue,
  observedAccount,
  observedMode,
  octalModeSchema,
  priorHost,
  priorNumber,
  priorObject,
  priorString,
  requirePriorString,
  sameMode,
} from './index';

const issues = (
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } },
  value: unknown,
) => {
  const result = schema.safeParse(value);
  return result.success ? [] : (result.error?.issues.map((i) => i.message) ?? []);
};

describe('@stratum/core/kit exports', () => {
  it('exports what providers share', () => {
    for (const name of [
      'CommandFailedError',
      'lastLine',
      'outputTail',
      'maskValues',
      'InvalidAttributeError',
      'sha256Hex',
      'shellQuote',
      'decodeUtf8',
      'describeFsError',
      'LOCAL_TEXT_LIMIT',
      'localDirectory',
      'localPath',
      'readBoundedFile',
      'readLocalText',
    ]) {
      expect(kit, name).toHaveProperty(name);
    }
    expect(kit.LOCAL_TEXT_LIMIT).toBe(16 * 1024 * 1024);
  });
});

describe('kit schemas', () => {
  it('hostSchema refuses an empty host', () => {
    expect(issues(hostSchema, 'root@h')).toEqual([]);
    expect(issues(hostSchema, '')).toEqual(['host must not be empty']);
  });

  it('absolutePathSchema wants a leading slash and no NUL', () => {
    expect(issues(absolutePathSchema, '/etc/motd')).toEqual([]);
    expect(issues(absolutePathSchema, 'etc/motd')).toEqual(['expected an absolute path (starting with "/")']);
    expect(issues(absolutePathSchema, '/etc/\0x')).toEqual(['a path cannot contain a NUL byte']);
  });

  it('octalModeSchema takes 3 or 4 octal digits', () => {
    for (const ok of ['644', '0644', '4755', '000']) expect(issues(octalModeSchema, ok)).toEqual([]);
    for (const bad of ['64', '06444', '0648', 'rwx', '']) {
      expect(issues(octalModeSchema, bad)).toEqual(['expected an octal mode of 3 or 4 digits, e.g. "0644"']);
    }
  });

  it('accountSchema refuses colons, whitespace and empty names', () => {
    for (const ok of ['root', 'www-data', '1000']) expect(issues(accountSchema, ok)).toEqual([]);
    expect(issues(accountSchema, 'root:root')).toEqual([
      'expected a user or group name without ":" or whitespace',
    ]);
    expect(issues(accountSchema, 'a b')).toHaveLength(1);
    expect(issues(accountSchema, '')).not.toEqual([]);
  });

  it('envNameSchema takes shell variable names', () => {
    for (const ok of ['PATH', '_X', 'a1']) expect(issues(envNameSchema, ok)).toEqual([]);
    for (const bad of ['1A', 'A-B', '', 'A B']) expect(issues(envNameSchema, bad)).toHaveLength(1);
  });
});

describe('kit modes', () => {
  it('compares modes by value', () => {
    expect(modeValue('0644')).toBe(0o644);
    expect(modeValue('644')).toBe(0o644);
    expect(modeValue('8')).toBeUndefined();
    expect(modeValue('07777')).toBeUndefined();
    expect(sameMode('644', '0644')).toBe(true);
    expect(sameMode('644', '0600')).toBe(false);
    expect(sameMode('abc', 'abc')).toBe(false);
  });

  it('reports the prior spelling when it is the same mode, else the four-digit form', () => {
    expect(fourDigitMode('644')).toBe('0644');
    expect(fourDigitMode('4755')).toBe('4755');
    expect(observedMode('644', '644')).toBe('644');
    expect(observedMode('644', '0644')).toBe('0644');
    expect(observedMode('600', '0644')).toBe('0600');
    expect(observedMode('600', undefined)).toBe('0600');
  });

  it('reports the prior spelling of an account when it names the same one', () => {
    expect(observedAccount('root', '0', '0')).toBe('0');
    expect(observedAccount('root', '0', 'root')).toBe('root');
    expect(observedAccount('root', '0', 'admin')).toBe('root');
    expect(observedAccount('root', '0', 0)).toBe('root');
  });
});

describe('kit prior readers', () => {
  const request = (prior: unknown) => ({ kind: 'demo_file', name: 'motd', prior: prior as never });

  it('reads typed fields of whatever state holds', () => {
    expect(addrOf({ kind: 'demo_file', name: 'motd' })).toBe('demo_file.motd');
    expect(priorObject({ a: 1 })).toEqual({ a: 1 });
    for (const odd of [null, undefined, [1], 'x', 3]) expect(priorObject(odd as never)).toEqual({});
    expect(priorString({ path: '/x', n: 1 }, 'path')).toBe('/x');
    expect(priorString({ n: 1 }, 'n')).toBeUndefined();
    expect(priorNumber({ n: 1, s: '1' }, 'n')).toBe(1);
    expect(priorNumber({ s: '1' }, 's')).toBeUndefined();
  });

  it('requires a non-empty string field, with an InvalidState error naming the resource', () => {
    expect(requirePriorString(request({ path: '/etc/motd' }), 'path')).toBe('/etc/motd');
    expect(priorHost(request({ host: 'root@h' }))).toBe('root@h');
    for (const prior of [{}, { host: '' }, { host: 7 }, null]) {
      let error: unknown;
      try {
        priorHost(request(prior));
      } catch (e) {
        error = e;
      }
      expect(StratumError.hasCode(error, 'InvalidState')).toBe(true);
      expect((error as Error).message).toBe(
        'demo_file.motd: the state entry has no host, so the resource cannot be read or deleted',
      );
      expect((error as StratumError).hint).toMatch(/stratum state show demo_file\.motd/);
    }
  });

  it('compact drops undefined members only', () => {
    expect(compact({ a: 1, b: undefined, c: null, d: '' })).toEqual({ a: 1, c: null, d: '' });
    expect(Object.keys(compact({ a: undefined }))).toEqual([]);
  });
});
