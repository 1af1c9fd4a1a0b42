import { describe, expect, it } from 'vitest';
import { createTestContext } from './test-context';

describe('createTestContext', () => {
  it('collects log lines by level and aborts on demand', () => {
    const ctx = createTestContext();
    ctx.log.trace('[x] one');
    ctx.log.warn('careful');
    ctx.log.debug('noise');
    expect(ctx.traces()).toEqual(['[x] one']);
    expect(ctx.warnings()).toEqual(['careful']);
    expect(ctx.lines).toHaveLength(3);
    expect(ctx.signal.aborted).toBe(false);
    ctx.abort('stop');
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toBe('stop');
  });
});
