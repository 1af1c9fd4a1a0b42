import { describe, expect, it } from 'vitest';
import { StratumError } from './errors';

describe('StratumError', () => {
  it('carries a code, a hint and a cause', () => {
    const cause = new Error('boom');
    const err = new StratumError('StateCorrupt', 'state file is not JSON', { hint: 'restore it', cause });
    expect(err.code).toBe('StateCorrupt');
    expect(err.hint).toBe('restore it');
    expect(err.cause).toBe(cause);
    expect(err).toBeInstanceOf(Error);
  });

  it('is recognised by brand, also across copies of the package', () => {
    // A second copy of the class (as a provider's own node_modules would load) shares
    // no prototype with ours; only the global-registry symbol ties them together.
    const foreign = Object.assign(Object.create(Error.prototype), {
      [Symbol.for('@stratum/core/StratumError')]: true,
      code: 'X',
    });
    expect(StratumError.isInstance(foreign)).toBe(true);
    expect(StratumError.isInstance(new Error('plain'))).toBe(false);
    expect(StratumError.isInstance(null)).toBe(false);
    expect(StratumError.hasCode(new StratumError('A', 'a'), 'A')).toBe(true);
    expect(StratumError.hasCode(new StratumError('A', 'a'), 'B')).toBe(false);
  });
});
