import { randomBytes } from 'node:crypto';
import { SESSION_COMMAND, ShellSession, ShellSessions } from '@stratum/core';
import { countExecs } from '@stratum/core/test';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSshTransport, type SshTransport } from './transport';

/**
 * The engine's long-lived shell sessions over a real sshd: the transport
 * streams stdin and stdout both ways, results equal an exec's byte for byte,
 * and a host's commands cost one channel.
 */

let sshd: LoopbackSshd;
let transport: SshTransport;
const signal = new AbortController().signal;

beforeAll(async () => {
  sshd = await startLoopbackSshd();
  transport = createSshTransport(sshd.transportOptions);
});

afterAll(async () => {
  await transport?.close();
  await sshd?.stop();
});

describe('shell sessions over ssh', () => {
  it('the transport says it streams', () => {
    expect(transport.streaming).toBe(true);
  });

  it('give each command what an exec gives, stdin and UTF-8 output included', async () => {
    const session = (await ShellSession.open(transport, sshd.addr, signal))!;
    expect(session).toBeDefined();
    const bytes = randomBytes(70_000);
    const cases: [string, Uint8Array | undefined][] = [
      ['printf "héllo ✓\\nno newline"', undefined],
      ['echo to-err >&2; exit 7', undefined],
      ['sha256sum', bytes],
      ['cat', Buffer.from('a\n__STRATUM_IN_x\nb')],
      [`head -c 200000 /dev/zero | tr '\\0' 'x'`, undefined],
    ];
    for (const [command, stdin] of cases) {
      const inSession = await session.run(command, stdin, 'a step');
      const byExec = await transport.exec(sshd.addr, command, { stdin: stdin ?? '' });
      expect(inSession).toEqual(byExec);
    }
    await session.close();
  });

  it('run a hundred commands of one host on one channel, and close leaving none open', async () => {
    const counted = createSshTransport(sshd.transportOptions);
    const wrapped = countExecs(counted);
    const sessions = new ShellSessions(wrapped, signal);
    for (let i = 0; i < 100; i++) {
      const result = await sessions.run(sshd.addr, `echo ${i}`, undefined, 'echo', undefined);
      expect(result?.stdout).toBe(`${i}\n`);
    }
    expect(wrapped.execs).toEqual([SESSION_COMMAND]);
    await sessions.close();
    await counted.close();
    expect(counted.connectionCount).toBe(0);
  });

  it('a dropped connection fails the running command with the transport’s error', async () => {
    const own = createSshTransport(sshd.transportOptions);
    const session = (await ShellSession.open(own, sshd.addr, signal))!;
    const running = session.run('sleep 5', undefined, 'a sleep');
    setTimeout(() => void own.close(), 200);
    await expect(running).rejects.toMatchObject({ code: expect.stringMatching(/Connection|Closed|Aborted/) });
    await session.close();
  });
});
