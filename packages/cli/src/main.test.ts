import { describe, expect, it } from 'vitest';
import { tidyYargsMessage, unknownCommand, usageError } from './main';
import { checkFlagValues, parallelismOf } from './options';

describe('tidyYargsMessage', () => {
  it('names an unknown kebab-case flag once', () => {
    expect(tidyYargsMessage('Unknown arguments: allow-unresolved-secrets, allowUnresolvedSecrets')).toBe(
      'Unknown argument: allow-unresolved-secrets',
    );
    expect(tidyYargsMessage('Unknown arguments: foo, bar-baz, barBaz')).toBe(
      'Unknown arguments: foo, bar-baz',
    );
    expect(tidyYargsMessage('Not enough arguments')).toBe('Not enough arguments');
  });
});

describe('unknownCommand', () => {
  it('finds the word in command position, skipping flags and their values', () => {
    expect(unknownCommand(['paln'])).toEqual({ parent: '', word: 'paln' });
    expect(unknownCommand(['--env-file', 'x.env', 'paln', '-c', 'a'])).toEqual({ parent: '', word: 'paln' });
    expect(unknownCommand(['--env-file=x.env', 'paln'])).toEqual({ parent: '', word: 'paln' });
    expect(unknownCommand(['state', 'lsit'])).toEqual({ parent: 'state ', word: 'lsit' });
    expect(unknownCommand(['plan', 'extra'])).toBeUndefined();
    expect(unknownCommand(['state', 'list'])).toBeUndefined();
    expect(unknownCommand(['--', 'paln'])).toBeUndefined();
  });
});

describe('usageError', () => {
  it('turns yargs messages into one line with a hint', () => {
    const typo = usageError('Did you mean plan?', ['paln']);
    expect([typo.message, typo.hint]).toEqual([
      'Unknown command: paln (did you mean plan?)',
      'see stratum --help',
    ]);
    expect(usageError('Unknown argument: xyzzy', ['xyzzy']).message).toBe('Unknown command: xyzzy');
    expect(usageError('Unknown argument: extra', ['plan', 'extra']).message).toBe('Unknown argument: extra');
    expect(usageError('Not enough arguments following: env-file', ['plan', '--env-file']).message).toBe(
      '--env-file needs a file path',
    );
  });
});

describe('checkFlagValues', () => {
  it('refuses a value flag given nothing, or an empty value', () => {
    expect(() => checkFlagValues({ config: [] })).toThrow('-c/--config needs a file path');
    expect(() => checkFlagValues({ config: ['a.strat', ''] })).toThrow('-c/--config needs a file path');
    expect(() => checkFlagValues({ state: '' })).toThrow('-s/--state needs a file path');
    expect(() => checkFlagValues({ namespace: '' })).toThrow('-n/--namespace needs a namespace name');
    expect(() => checkFlagValues({ config: ['a.strat'], state: 'x.json', yes: true })).not.toThrow();
  });

  it('takes --parallelism as a whole number of hosts, at least 1', () => {
    expect(parallelismOf('16')).toBe(16);
    expect(parallelismOf(undefined)).toBeUndefined();
    for (const bad of ['0', '-3', '2.5', 'many', '1e3', '999999']) {
      expect(() => checkFlagValues({ parallelism: bad })).toThrow(
        `--parallelism needs a whole number of hosts, at least 1; got "${bad}"`,
      );
    }
    expect(() => checkFlagValues({ parallelism: '' })).toThrow('--parallelism needs a number of hosts');
  });
});
