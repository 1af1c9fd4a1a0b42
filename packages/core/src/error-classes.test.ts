import { describe, expect, it } from 'vitest';
import { CommandFailedError } from './command-failure';
import { DestroyRefusedError } from './engine/guards';
import { StratumError } from './errors';
import { InvalidAttributeError } from './invalid-attribute';
import { PlanError } from './plan/errors';
import { StateError, StateLockedError } from './state/errors';
import { AttributeError } from './validate';

/** One instance of every core error class, with the class and its parent. */
const cases = [
  { cls: StratumError, parent: undefined, make: () => new StratumError('X', 'x') },
  {
    cls: PlanError,
    parent: StratumError,
    make: () => new PlanError('DependencyCycle', 'cycle', { addresses: ['a.b'], hint: 'h' }),
  },
  { cls: StateError, parent: StratumError, make: () => new StateError('StateCorrupt', '/s.json', 'corrupt') },
  {
    cls: StateLockedError,
    parent: StateError,
    make: () => new StateLockedError('/s.json.lock', 'locked', undefined, 'wait'),
  },
  {
    cls: CommandFailedError,
    parent: StratumError,
    make: () =>
      new CommandFailedError({ resource: 'demo_x.a', host: 'h', step: 's', exitCode: 1, output: '' }),
  },
  { cls: AttributeError, parent: StratumError, make: () => new AttributeError('demo_x.a', ['bad']) },
  {
    cls: InvalidAttributeError,
    parent: StratumError,
    make: () => new InvalidAttributeError('BadLocalPath', 'content_file', 'bad'),
  },
  { cls: DestroyRefusedError, parent: StratumError, make: () => new DestroyRefusedError(['demo_x.a']) },
] as const;

type AnyClass = (typeof cases)[number]['cls'];

/** True when `sub` is `cls` or extends it. */
function isA(sub: AnyClass, cls: AnyClass): boolean {
  for (let c: unknown = sub; typeof c === 'function'; c = Object.getPrototypeOf(c))
    if (c === cls) return true;
  return false;
}

describe('core error classes', () => {
  it('each declares a marker of its own, all different', () => {
    const markers = cases.map(({ cls }) => {
      expect(Object.hasOwn(cls, 'marker'), cls.name).toBe(true);
      return cls.marker;
    });
    expect(new Set(markers).size).toBe(markers.length);
    for (const marker of markers) expect(marker).toMatch(/^@stratum\/core\/\w+Error$/);
  });

  it('an instance satisfies its own class and every class above it, and no sibling', () => {
    for (const { cls, make } of cases) {
      const error = make();
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(cls.name);
      for (const other of cases) {
        expect(other.cls.isInstance(error), `${other.cls.name}.isInstance(${cls.name})`).toBe(
          isA(cls, other.cls),
        );
      }
    }
  });

  it('names its parent correctly', () => {
    for (const { cls, parent } of cases) {
      if (parent !== undefined) expect(Object.getPrototypeOf(cls)).toBe(parent);
    }
  });

  it('recognises a foreign object carrying a class’s marker', () => {
    for (const { cls } of cases) {
      const foreign = { [Symbol.for(cls.marker)]: true, message: 'from another copy' };
      expect(cls.isInstance(foreign), cls.name).toBe(true);
      for (const other of cases) {
        if (other.cls !== cls) expect(other.cls.isInstance(foreign)).toBe(false);
      }
    }
    // A foreign base error is no PlanError; a marker that is not `true` does not count.
    expect(PlanError.isInstance({ [Symbol.for(StratumError.marker)]: true })).toBe(false);
    expect(StratumError.isInstance({ [Symbol.for(StratumError.marker)]: 'yes' })).toBe(false);
  });

  it('answers false for what is not an error', () => {
    for (const { cls } of cases) {
      for (const value of [undefined, null, 'StratumError', 1, new Error('plain'), {}]) {
        expect(cls.isInstance(value)).toBe(false);
      }
    }
  });

  it('a subclass without a marker of its own is its parent’s, but its own isInstance answers false', () => {
    class Unmarked extends PlanError {}
    const error = new Unmarked('DuplicateDesired', 'dup', { addresses: [], hint: 'h' });
    expect(PlanError.isInstance(error)).toBe(true);
    expect(StratumError.isInstance(error)).toBe(true);
    expect(Unmarked.isInstance(error)).toBe(false);

    class Marked extends StateError {
      static override readonly marker: string = '@stratum/test/MarkedError';
    }
    const marked = new Marked('StateCorrupt', '/p', 'm');
    expect(Marked.isInstance(marked)).toBe(true);
    expect(StateError.isInstance(marked)).toBe(true);
    expect(StateLockedError.isInstance(marked)).toBe(false);
    expect(Marked.isInstance(new StateError('StateCorrupt', '/p', 'm'))).toBe(false);
  });

  it('hasCode checks the code of any stratum error', () => {
    expect(StratumError.hasCode(new StateLockedError('/p', 'm', undefined, 'h'), 'StateLocked')).toBe(true);
    expect(StratumError.hasCode(new DestroyRefusedError(['a.b']), 'DestroyRefused')).toBe(true);
    expect(StratumError.hasCode(new AttributeError('', ['x']), 'InvalidAttributes')).toBe(true);
    expect(StratumError.hasCode({ code: 'StateLocked' }, 'StateLocked')).toBe(false);
  });

  it('keeps each class’s fields', () => {
    const attr = new AttributeError('demo_x.a', ['one', 'two']);
    expect(attr.message).toBe('demo_x.a: one\ndemo_x.a: two');
    expect(attr.problems).toEqual(['one', 'two']);
    expect(new AttributeError('', ['one']).message).toBe('one');
    const invalid = new InvalidAttributeError('C', 'content_file', 'm', { hint: 'h', cause: 'c' });
    expect([invalid.code, invalid.attr, invalid.hint, invalid.cause]).toEqual([
      'C',
      'content_file',
      'h',
      'c',
    ]);
    const state = new StateError('StateCorrupt', '/s.json', 'm');
    expect(state.path).toBe('/s.json');
    const locked = new StateLockedError('/s.json.lock', 'm', { pid: 1, host: 'x', startedAt: 't' }, 'h');
    expect([locked.code, locked.path, locked.holder?.pid, locked.hint]).toEqual([
      'StateLocked',
      '/s.json.lock',
      1,
      'h',
    ]);
  });
});
