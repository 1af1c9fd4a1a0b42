import { describe, expect, it } from 'vitest';
import { tidyYargsMessage } from './main';

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
