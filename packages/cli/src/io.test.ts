import { describe, expect, it } from 'vitest';
import { colorFor, isCi } from './io';

describe('colorFor', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('colours a terminal outside CI, and not a pipe', () => {
    expect(colorFor(tty, {})).toBe(true);
    expect(colorFor(pipe, {})).toBe(false);
    expect(colorFor(tty, { CI: 'true' })).toBe(false);
    expect(colorFor(tty, { TERM: 'dumb' })).toBe(false);
  });

  it('NO_COLOR turns it off when not empty', () => {
    expect(colorFor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorFor(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('FORCE_COLOR forces it (even into a pipe, over NO_COLOR) unless 0 or false', () => {
    expect(colorFor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorFor(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(colorFor(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
    expect(colorFor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorFor(tty, { FORCE_COLOR: 'false' })).toBe(false);
  });

  it('the flag wins over everything', () => {
    expect(colorFor(tty, { FORCE_COLOR: '1' }, false)).toBe(false);
    expect(colorFor(pipe, { NO_COLOR: '1' }, true)).toBe(true);
  });
});

describe('isCi', () => {
  it('reads CI like the testkit does', () => {
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
    expect(isCi({ CI: 'FALSE' })).toBe(false);
  });
});
