import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransport, type SshTransportOptions } from './transport';

/** A server that allows only 3 sessions per connection, against pools of various limits. */
let sshd: LoopbackSshd;
const transports: SshTransport[] = [];

function transport(extra: Partial<SshTransportOptions>): SshTransport {
  const t = createSshTransport({ ...sshd.transportOptions, ...extra });
  transports.push(t);
  return t;
}

beforeAll(async () => {
  sshd = await startLoopbackSshd({ maxSessions: 3 });
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await sshd?.stop();
});

async function twentySleeps(t: SshTransport): Promise<number[]> {
  const results = await Promise.all(
    Array.from({ length: 20 }, () => t.exec(sshd.addr, 'sleep 0.2; echo ok')),
  );
  return results.map((r) => (r.stdout === 'ok\n' ? r.exitCode : -1));
}

/** A stdin that sends `first`, then stays open until `end()`: what a session shell's input looks like. */
function heldInput(first: string): { input: AsyncGenerator<Uint8Array>; end: () => void } {
  let end!: () => void;
  const ended = new Promise<void>((resolve) => {
    end = resolve;
  });
  async function* input(): AsyncGenerator<Uint8Array> {
    yield Buffer.from(first);
    await ended;
  }
  return { input: input(), end };
}

describe('channel limits', () => {
  it('runs 20 concurrent commands through a pool limited to the server MaxSessions', async () => {
    const t = transport({ maxChannelsPerConnection: 3 });
    expect(await twentySleeps(t)).toEqual(Array(20).fill(0));
    expect(await sshd.connectionCount()).toBe(1);
  });

  it('copes with a pool limit above MaxSessions: refused channels are retried and the limit learnt', async () => {
    const lines: string[] = [];
    const t = transport({ maxChannelsPerConnection: 10, logger: { debug: (line) => lines.push(line) } });
    expect(await twentySleeps(t)).toEqual(Array(20).fill(0));
    expect(lines.some((l) => l.includes('allows 3 sessions per connection'))).toBe(true);
    // Every connection so far is the one each transport opened.
    expect(await sshd.connectionCount()).toBe(2);
  });

  it('fails with ChannelRefused when the server never grants a session', async () => {
    const refusing = await startLoopbackSshd({ maxSessions: 0 });
    try {
      const t = createSshTransport(refusing.transportOptions);
      transports.push(t);
      await expect(t.exec(refusing.addr, 'true')).rejects.toMatchObject({
        code: 'ChannelRefused',
        message: expect.stringContaining('refused to open a session channel'),
      });
    } finally {
      await refusing.stop();
    }
  });

  it('refuses a long-lived command that would take the last free channel, and ordinary ones still run', async () => {
    // Session shells that hold every channel while their hosts wait for one more exec
    // each would wait forever (several hosts can be aliases of one connection).
    const t = transport({ maxChannelsPerConnection: 3 });
    const ends: Array<() => void> = [];
    const longLived = () => {
      const { input, end } = heldInput('in\n');
      ends.push(end);
      return t.exec(sshd.addr, 'cat; echo held', { stdin: input, longLived: true });
    };
    const held = [longLived(), longLived()];
    // Two of three channels held; the third stays for ordinary commands.
    await expect(longLived()).rejects.toMatchObject({
      code: 'ChannelsBusy',
      message: expect.stringContaining('no channel to spare'),
    });
    const ordinary = await Promise.all(Array.from({ length: 4 }, () => t.exec(sshd.addr, 'echo ok')));
    expect(ordinary.map((r) => r.stdout)).toEqual(Array(4).fill('ok\n'));
    for (const end of ends) end();
    expect((await Promise.all(held)).map((r) => r.stdout)).toEqual(['in\nheld\n', 'in\nheld\n']);
    // With its channels back, a long-lived command is taken again.
    ends.length = 0;
    const again = longLived();
    for (const end of ends) end();
    expect((await again).stdout).toBe('in\nheld\n');
  });

  it('asks a long-lived command for its channel back when the server allows only that one', async () => {
    // MaxSessions 1: a host's shell holds the only channel and the same host's
    // next plain exec (a stream, a secret stdin) would wait for it forever.
    const single = await startLoopbackSshd({ maxSessions: 1 });
    try {
      const t = createSshTransport(single.transportOptions);
      transports.push(t);
      const { input, end } = heldInput('sent before\n');
      let asked = 0;
      const held = t.exec(single.addr, 'cat; echo gave it back', {
        stdin: input,
        longLived: true,
        onPreempt: () => {
          asked++;
          end();
        },
      });
      const plain = await t.exec(single.addr, 'echo plain');
      expect(plain.stdout).toBe('plain\n');
      expect(asked).toBe(1);
      expect((await held).stdout).toBe('sent before\ngave it back\n');
    } finally {
      await single.stop();
    }
  });
});
