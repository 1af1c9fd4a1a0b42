import { describe, expect, it } from 'vitest';
import { StratumError } from './errors';
import { ContainerHealthError, pollContainerHealth } from './readiness';

/** An inspector answering from a script, and a sleep that records instead of waiting. */
function fake(statuses: string[]) {
  let calls = 0;
  const sleeps: number[] = [];
  return {
    inspect: async () => statuses[Math.min(calls++, statuses.length - 1)]!,
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    get calls() {
      return calls;
    },
    sleeps,
  };
}

describe('pollContainerHealth', () => {
  it('resolves once docker reports healthy', async () => {
    const f = fake(['starting\n', 'starting', 'healthy\n']);
    await pollContainerHealth(f.inspect, { sleep: f.sleep });
    expect(f.calls).toBe(3);
    expect(f.sleeps).toEqual([1000, 1000]);
  });

  it('rejects on unhealthy', async () => {
    const f = fake(['starting', 'unhealthy']);
    const err = await pollContainerHealth(f.inspect, { sleep: f.sleep, container: 'db' }).catch((e) => e);
    expect(err).toBeInstanceOf(ContainerHealthError);
    expect(StratumError.hasCode(err, 'ContainerUnhealthy')).toBe(true);
    expect(err.message).toContain('`db`');
    expect(err.polls).toBe(2);
    expect(err.hint).toContain('docker logs db');
  });

  it('treats an empty or none status on the first poll as no healthcheck', async () => {
    for (const status of ['', '\n', 'none', '<no value>']) {
      const f = fake([status]);
      await pollContainerHealth(f.inspect, { sleep: f.sleep });
      expect(f.calls).toBe(1);
      expect(f.sleeps).toEqual([]);
    }
  });

  it('keeps polling an empty status after the first poll', async () => {
    const f = fake(['starting', '', 'healthy']);
    await pollContainerHealth(f.inspect, { sleep: f.sleep });
    expect(f.calls).toBe(3);
  });

  it('gives up after maxPolls, naming the last status', async () => {
    const f = fake(['starting']);
    const err = await pollContainerHealth(f.inspect, { sleep: f.sleep, maxPolls: 5, intervalMs: 10 }).catch(
      (e) => e,
    );
    expect(StratumError.hasCode(err, 'ContainerHealthTimeout')).toBe(true);
    expect(err.lastStatus).toBe('starting');
    expect(err.message).toContain('`starting`');
    expect(f.calls).toBe(5);
    expect(f.sleeps).toEqual([10, 10, 10, 10]);
  });

  it('defaults to 60 polls one second apart', async () => {
    const f = fake(['starting']);
    await expect(pollContainerHealth(f.inspect, { sleep: f.sleep })).rejects.toThrow(/60 polls/);
    expect(f.calls).toBe(60);
    expect(f.sleeps.every((ms) => ms === 1000)).toBe(true);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const f = fake(['starting']);
    const sleep = async () => controller.abort(new Error('interrupted'));
    await expect(pollContainerHealth(f.inspect, { sleep, signal: controller.signal })).rejects.toThrow(
      'interrupted',
    );
    expect(f.calls).toBe(1);
  });

  it('lets inspect errors through', async () => {
    await expect(
      pollContainerHealth(async () => {
        throw new Error('ssh down');
      }),
    ).rejects.toThrow('ssh down');
  });

  it('waits with a real timer by default', async () => {
    const f = fake(['starting', 'healthy']);
    await pollContainerHealth(f.inspect, { intervalMs: 1 });
    expect(f.calls).toBe(2);
  });
});
