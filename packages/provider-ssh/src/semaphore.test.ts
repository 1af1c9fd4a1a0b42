import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore';

const tick = () => new Promise((r) => setImmediate(r));

describe('Semaphore', () => {
  it('grants up to the limit, then queues in FIFO order', async () => {
    const s = new Semaphore(2);
    const order: number[] = [];
    await s.acquire();
    await s.acquire();
    const waiting = [1, 2, 3].map((n) => s.acquire().then(() => order.push(n)));
    await tick();
    expect(s.waiting).toBe(3);
    s.release();
    s.release();
    await tick();
    expect(order).toEqual([1, 2]);
    s.release();
    await Promise.all(waiting);
    expect(order).toEqual([1, 2, 3]);
    expect(s.active).toBe(2);
  });

  it('resizes: shrinking revokes no held slot, growing wakes waiters', async () => {
    const s = new Semaphore(4);
    for (let i = 0; i < 4; i++) await s.acquire();
    s.resize(2);
    let granted = false;
    const next = s.acquire().then(() => {
      granted = true;
    });
    s.release();
    s.release();
    await tick();
    expect(granted).toBe(false);
    s.release();
    await next;
    expect(granted).toBe(true);
    expect(s.limit).toBe(2);
    const third = s.acquire();
    s.resize(3);
    await third;
    expect(s.active).toBe(3);
  });

  it('drops a waiter whose signal fires, and rejects all waiters on demand', async () => {
    const s = new Semaphore(1);
    await s.acquire();
    const controller = new AbortController();
    const aborted = s.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(s.waiting).toBe(0);
    const doomed = s.acquire();
    s.rejectAll(new Error('gone'));
    await expect(doomed).rejects.toThrow('gone');
  });

  it('tryAcquire takes a free slot at once, and never one a waiter is queued for', async () => {
    const s = new Semaphore(2);
    expect(s.tryAcquire()).toBe(true);
    expect(s.tryAcquire()).toBe(true);
    expect(s.tryAcquire()).toBe(false);
    expect(s.active).toBe(2);
    const queued = s.acquire();
    s.release();
    // The freed slot went to the waiter, which was first.
    expect(s.tryAcquire()).toBe(false);
    await queued;
    expect(s.active).toBe(2);
  });
});
