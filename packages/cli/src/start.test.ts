import { describe, expect, it } from 'vitest';
import { runKeyOf } from './start';

describe('runKeyOf', () => {
  it('names a run by its command, wherever the flags and their values stand', () => {
    expect(runKeyOf(['plan'])).toBe('plan');
    expect(runKeyOf(['-c', 'web.strat', '--var', 'n=1', 'apply', '-y'])).toBe('apply');
    expect(runKeyOf(['plan', '--refresh', '--json'])).toBe('plan+refresh');
    expect(runKeyOf(['apply', '--refresh', '-y'])).toBe('apply+refresh');
  });

  it('takes the subcommand of `state`, and no word of the user', () => {
    expect(runKeyOf(['state', 'show', 'system_file.motd'])).toBe('state-show');
    expect(runKeyOf(['state', 'lsit'])).toBe('state');
    expect(runKeyOf(['apply', 'prod.plan'])).toBe('apply');
  });

  it('names a run without a command by its first flag, and anything else alike', () => {
    expect(runKeyOf(['--help'])).toBe('--help');
    expect(runKeyOf([])).toBe('none');
    expect(runKeyOf(['paln'])).toBe('none');
    expect(runKeyOf(['--../../etc'])).toBe('none');
  });
});
