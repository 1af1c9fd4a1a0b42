/**
 * A counting semaphore with a FIFO queue and a limit that may change while in
 * use (a connection lowers it when the server turns out to allow fewer
 * sessions than configured, and probes upwards again later).
 */
export class Semaphore {
  #limit: number;
  #active = 0;
  readonly #waiters: Array<{ grant: () => void; reject: (reason: unknown) => void }> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`semaphore limit must be >= 1, got ${limit}`);
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Slots currently held. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Change the limit (at least 1). Lowering it revokes no held slot: new ones
   * wait until `active` drops below it. Raising it wakes waiters at once.
   */
  resize(limit: number): void {
    this.#limit = Math.max(1, Math.floor(limit));
    this.#drain();
  }

  /**
   * Wait for a slot. Rejects with `signal.reason` if the signal fires first
   * (the slot is then not taken). Call `release()` exactly once per grant.
   */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.#limit && this.#waiters.length === 0) {
      this.#active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (reason: unknown) => {
          signal?.removeEventListener('abort', onAbort);
          reject(reason);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Takes a slot if one is free now and nobody waits for one; never waits. */
  tryAcquire(): boolean {
    if (this.#active >= this.#limit || this.#waiters.length > 0) return false;
    this.#active++;
    return true;
  }

  release(): void {
    if (this.#active === 0) throw new Error('semaphore released more often than acquired');
    this.#active--;
    this.#drain();
  }

  /** Fail every waiter (the connection they wait on is gone). */
  rejectAll(reason: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(reason);
  }

  #drain(): void {
    while (this.#active < this.#limit && this.#waiters.length > 0) {
      this.#active++;
      this.#waiters.shift()!.grant();
    }
  }
}
