import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eachLimited } from './each-limited';

describe('eachLimited', () => {
  it('runs every item once, never more than the limit at a time (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(3), { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        async (delays, limit) => {
          let running = 0;
          let peak = 0;
          const done: number[] = [];
          await eachLimited(
            delays.map((delay, index) => ({ delay, index })),
            limit,
            async ({ delay, index }) => {
              running++;
              peak = Math.max(peak, running);
              await new Promise((resolve) => setTimeout(resolve, delay));
              running--;
              done.push(index);
            },
          );
          expect(done.sort((a, b) => a - b)).toEqual(delays.map((_, i) => i));
          expect(peak).toBeLessThanOrEqual(limit);
          if (delays.length >= limit) expect(peak).toBe(limit);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('throws the first rejection once everything started has settled', async () => {
    const settled: number[] = [];
    await expect(
      eachLimited([1, 2, 3], 3, async (n) => {
        await new Promise((resolve) => setTimeout(resolve, n));
        settled.push(n);
        if (n === 1) throw new Error('one');
      }),
    ).rejects.toThrow('one');
    expect(settled).toEqual([1, 2, 3]);
  });
});
