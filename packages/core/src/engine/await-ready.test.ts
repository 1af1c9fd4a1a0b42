import { describe, expect, it } from 'vitest';
import { StratumError } from '../errors';
import type { ReadinessPoll, ReadinessVerdict } from '../operation';
import { createRecordingTransport } from '../test/recording-transport';
import type { ExecResult } from '../transport';
import { awaitReady } from './await-ready';

function fakeSleep() {
  const waits: number[] = [];
  const sleep = async (ms: number, signal: AbortSignal) => {
    signal.throwIfAborted();
    waits.push(ms);
  };
  return { waits, sleep };
}

/** A poll whose check answers from `verdicts`, one per poll; records what it saw. */
function poll(verdicts: ReadinessVerdict[], extra: Partial<ReadinessPoll> = {}) {
  const seen: { result: ExecResult; poll: number }[] = [];
  const timedOut: { last: ExecResult | undefined; polls: number }[] = [];
  const readiness: ReadinessPoll = {
    type: 'poll',
    host: 'h1',
    command: 'docker inspect -f {{.State.Health.Status}} web',
    check(result, n) {
      seen.push({ result, poll: n });
      return verdicts[n - 1] ?? 'waiting';
    },
    timedOut(last, polls) {
      timedOut.push({ last, polls });
      return new StratumError('NotReady', `web is not healthy after ${polls} polls: ${last?.stdout.trim()}`);
    },
    ...extra,
  };
  return { readiness, seen, timedOut };
}

describe('awaitReady', () => {
  it('pauses for the given time, through the sleep it was given', async () => {
    const { waits, sleep } = fakeSleep();
    const transport = createRecordingTransport();
    await awaitReady({ type: 'pause', ms: 1500 }, { transport, signal: new AbortController().signal, sleep });
    expect(waits).toEqual([1500]);
    expect(transport.calls).toEqual([]);
  });

  it('pauses with a real timer by default', async () => {
    const started = performance.now();
    await awaitReady(
      { type: 'pause', ms: 30 },
      { transport: createRecordingTransport(), signal: new AbortController().signal },
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('resolves on the first poll that says ready, without waiting', async () => {
    const { waits, sleep } = fakeSleep();
    const transport = createRecordingTransport(() => 'healthy\n');
    const { readiness, seen } = poll(['ready']);
    await awaitReady(readiness, { transport, signal: new AbortController().signal, sleep });
    expect(waits).toEqual([]);
    expect(seen).toEqual([{ result: { exitCode: 0, stdout: 'healthy\n', stderr: '' }, poll: 1 }]);
    expect(transport.calls).toHaveLength(1);
    expect(transport.calls[0]?.host).toBe('h1');
    expect(transport.calls[0]?.command).toBe('docker inspect -f {{.State.Health.Status}} web');
    expect(transport.calls[0]?.options.idempotent).toBe(true);
  });

  it('waits the interval between polls until ready', async () => {
    const { waits, sleep } = fakeSleep();
    const transport = createRecordingTransport(() => 'starting\n');
    const { readiness, seen } = poll(['waiting', 'waiting', 'ready'], { intervalMs: 250 });
    await awaitReady(readiness, { transport, signal: new AbortController().signal, sleep });
    expect(waits).toEqual([250, 250]);
    expect(seen.map((s) => s.poll)).toEqual([1, 2, 3]);
  });

  it('defaults to 60 polls a second apart', async () => {
    const { waits, sleep } = fakeSleep();
    const transport = createRecordingTransport(() => 'starting\n');
    const { readiness, timedOut } = poll([]);
    await expect(
      awaitReady(readiness, { transport, signal: new AbortController().signal, sleep }),
    ).rejects.toThrow('after 60 polls');
    expect(transport.calls).toHaveLength(60);
    expect(waits).toEqual(Array.from({ length: 59 }, () => 1000));
    expect(timedOut).toHaveLength(1);
  });

  it('rejects with the kind’s error on a failed verdict, and polls no more', async () => {
    const { sleep } = fakeSleep();
    const transport = createRecordingTransport(() => 'unhealthy\n');
    const failed = new StratumError('Unhealthy', 'web reported unhealthy');
    const { readiness } = poll(['waiting', { failed }, 'ready']);
    await expect(
      awaitReady(readiness, { transport, signal: new AbortController().signal, sleep }),
    ).rejects.toBe(failed);
    expect(transport.calls).toHaveLength(2);
  });

  it('rejects with timedOut’s error, given the last result and the poll count', async () => {
    const { waits, sleep } = fakeSleep();
    let n = 0;
    const transport = createRecordingTransport(() => `starting ${++n}\n`);
    const { readiness, timedOut } = poll([], { maxPolls: 3, intervalMs: 10 });
    const error = await awaitReady(readiness, {
      transport,
      signal: new AbortController().signal,
      sleep,
    }).catch((e: unknown) => e);
    expect(StratumError.hasCode(error, 'NotReady')).toBe(true);
    expect((error as Error).message).toBe('web is not healthy after 3 polls: starting 3');
    expect(timedOut).toEqual([{ last: { exitCode: 0, stdout: 'starting 3\n', stderr: '' }, polls: 3 }]);
    // No wait after the last poll.
    expect(waits).toEqual([10, 10]);
  });

  it('rejects as the transport does when the poll cannot run', async () => {
    const { sleep } = fakeSleep();
    const transport = createRecordingTransport(() => {
      throw new Error('host unreachable');
    });
    await expect(
      awaitReady(poll(['ready']).readiness, { transport, signal: new AbortController().signal, sleep }),
    ).rejects.toThrow('host unreachable');
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    const { waits, sleep } = fakeSleep();
    let polls = 0;
    const transport = createRecordingTransport(() => {
      polls++;
      if (polls === 2) controller.abort(new Error('interrupted'));
      return 'starting\n';
    });
    const { readiness } = poll([], { maxPolls: 10 });
    await expect(awaitReady(readiness, { transport, signal: controller.signal, sleep })).rejects.toThrow(
      'interrupted',
    );
    expect(polls).toBe(2);
    expect(waits).toEqual([1000]);
  });

  it('runs nothing when already aborted, even with a sleep that ignores the signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    const transport = createRecordingTransport(() => 'x');
    await expect(
      awaitReady(poll(['ready']).readiness, { transport, signal: controller.signal, sleep: async () => {} }),
    ).rejects.toThrow('interrupted');
    expect(transport.calls).toEqual([]);
  });

  it('an abort interrupts a real pause', async () => {
    const controller = new AbortController();
    const transport = createRecordingTransport();
    const started = performance.now();
    const waiting = awaitReady({ type: 'pause', ms: 60_000 }, { transport, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('interrupted')), 10);
    await expect(waiting).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
