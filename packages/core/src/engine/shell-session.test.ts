import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countExecs } from '../test/counting-transport';
import { createLocalShellTransport } from '../test/local-shell-transport';
import { createRecordingTransport } from '../test/recording-transport';
import type { Transport } from '../transport';
import { SessionOutput, ShellSession, ShellSessions, sessionCommand, sessionStdin } from './shell-session';

/**
 * A session must give every command exactly what an exec of it gives:
 * stdout, stderr and exit status byte for byte, stdin intact. Checked against
 * this machine's real shell (commands that only print and read stdin).
 */

const local = createLocalShellTransport();
const signal = new AbortController().signal;

const counting = () => countExecs(local);

describe('a shell session', () => {
  it('runs commands one after another, each result as an exec would give it', async () => {
    const session = (await ShellSession.open(local, 'local', signal))!;
    expect(session).toBeDefined();
    const commands: [string, string | undefined][] = [
      ['printf "a\\nb"', undefined],
      ['echo out; echo err >&2; exit 3', undefined],
      ['cat', 'line one\nline two\n'],
      ['wc -c', ''],
      ['x=1; cd /; exit 0', undefined],
      ['echo "$x" "$(pwd)"', undefined],
      ["printf '%s' 'it''s'; printf '\\n__STRATUM_RUN_deadbeef 5 0\\n'", undefined],
    ];
    for (const [command, stdin] of commands) {
      const inSession = await session.run(
        command,
        stdin === undefined ? undefined : Buffer.from(stdin),
        'a step',
      );
      const byExec = await local.exec('local', command, { stdin: stdin ?? '' });
      expect(inSession).toEqual(byExec);
    }
    await session.close();
  });

  it('carries any stdin bytes, and any output, byte for byte (property)', async () => {
    const session = (await ShellSession.open(local, 'local', signal))!;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.string({ maxLength: 200 }),
        async (bytes, text) => {
          const echoed = await session.run('od -An -tx1 -v', bytes, 'od');
          const expected = await local.exec('local', 'od -An -tx1 -v', { stdin: bytes });
          expect(echoed).toEqual(expected);
          const printed = await session.run('cat; cat >&2 <<EOF\nerr\nEOF', Buffer.from(text), 'cat');
          expect(printed).toEqual({ exitCode: 0, stdout: text, stderr: 'err\n' });
          // Text ending in a newline takes the literal here-document.
          const lines = await session.run('cat', Buffer.from(`${text}\n`), 'cat');
          expect(lines).toEqual({ exitCode: 0, stdout: `${text}\n`, stderr: '' });
        },
      ),
      { numRuns: 40 },
    );
    await session.close();
  });

  it('a command that ends its shell fails with SessionEnded naming host and step', async () => {
    const session = (await ShellSession.open(local, 'local', signal))!;
    await expect(session.run('kill -9 $$', undefined, 'the killer step')).rejects.toMatchObject({
      code: 'SessionEnded',
      message: expect.stringContaining('the shell on local ended while the killer step ran'),
    });
    await session.close();
  });

  it('a command past its timeout kills the shell and fails with CommandTimeout', async () => {
    const session = (await ShellSession.open(local, 'local', signal))!;
    await expect(session.run('sleep 30', undefined, 'a slow step', 200)).rejects.toMatchObject({
      code: 'CommandTimeout',
      message: 'a slow step on local did not finish within 200 ms',
    });
    await session.close();
  });

  it('is not had where no shell starts; the caller then execs', async () => {
    const broken: Transport = {
      streaming: true,
      exec: async () => ({ exitCode: 127, stdout: '', stderr: 'sh: not found' }),
    };
    expect(await ShellSession.open(broken, 'h', signal)).toBeUndefined();
    const sessions = new ShellSessions(broken, signal);
    expect(await sessions.run('h', 'true', undefined, 'a step', undefined)).toBeUndefined();
    await sessions.close();
  });
});

describe('commands sent ahead (a pipeline)', () => {
  it('runs them back to back and hands each result to the engine in order', async () => {
    const session = (await ShellSession.open(local, 'local', signal))!;
    session.send('echo one', undefined, 'first', true);
    session.send('cat', Buffer.from('two\n'), 'second', true);
    expect(await session.run('echo one', undefined, 'first')).toEqual({
      exitCode: 0,
      stdout: 'one\n',
      stderr: '',
    });
    expect(await session.run('cat', Buffer.from('two\n'), 'second')).toEqual({
      exitCode: 0,
      stdout: 'two\n',
      stderr: '',
    });
    // Nothing sent ahead: run sends the command itself.
    expect(await session.run('echo three', undefined, 'third')).toMatchObject({ stdout: 'three\n' });
    await session.close();
  });

  it('skips everything after a failed command that stops the apply, and goes on after one that does not', async () => {
    const session = (await ShellSession.open(local, 'local', signal))!;
    session.send('echo warned; exit 2', undefined, 'forgiven', false);
    session.send('exit 3', undefined, 'failing', true);
    session.send('echo never', undefined, 'after', true);
    expect(await session.run('echo warned; exit 2', undefined, 'forgiven')).toMatchObject({ exitCode: 2 });
    expect(await session.run('exit 3', undefined, 'failing')).toMatchObject({ exitCode: 3 });
    expect(await session.ran()).toBe(false);
    await expect(session.run('echo never', undefined, 'after')).rejects.toMatchObject({
      code: 'NotRun',
      message: 'after on local did not run: a command before it failed',
    });
    expect(await session.ran()).toBe(false);
    await session.close();
  });

  it('refuses a claim for another command than the next one sent', async () => {
    const session = (await ShellSession.open(local, 'local', signal))!;
    session.send('echo a', undefined, 'a', true);
    await expect(session.run('echo b', undefined, 'b')).rejects.toThrow(
      "the session's next command is for a, not b: sent out of order",
    );
    expect(await session.ran()).toBe(true);
    await session.close();
  });
});

describe('ShellSessions', () => {
  it('runs many commands of a host through one exec, and streams, timeouts and big stdin by their own', async () => {
    const transport = counting();
    const sessions = new ShellSessions(transport, signal);
    for (let i = 0; i < 20; i++) {
      expect(await sessions.run('local', `echo ${i}`, undefined, 'echo', undefined)).toEqual({
        exitCode: 0,
        stdout: `${i}\n`,
        stderr: '',
      });
    }
    expect(transport.execs).toHaveLength(1);
    const stream = (async function* () {
      yield Buffer.from('x');
    })();
    expect(await sessions.run('local', 'cat', stream, 'cat', undefined)).toBeUndefined();
    expect(await sessions.run('local', 'true', undefined, 'true', 5_000)).toBeUndefined();
    expect(await sessions.run('local', 'wc -c', Buffer.alloc(2 << 20), 'wc', undefined)).toBeUndefined();
    await sessions.run('other', 'true', undefined, 'true', undefined);
    expect(transport.execs).toHaveLength(2);
    await sessions.close();
  });

  it('is never used by a transport that does not stream', () => {
    expect(createRecordingTransport().streaming).toBeUndefined();
  });
});

describe('session output', () => {
  it('drops a banner before ready, and waits for a whole result', () => {
    const nonce = 'ab12';
    const out = new SessionOutput(nonce);
    out.push('Welcome!\n__STRATUM_RUN_ab12 rea');
    expect(out.ready()).toBe(false);
    out.push('dy\nhello\n__STRATUM_RUN_ab12 0 0\n');
    expect(out.take(0)).toBeUndefined();
    out.push('warn\n__STRATUM_RUN_ab12 0 end\n');
    expect(out.take(0)).toEqual({ exitCode: 0, stdout: 'hello', stderr: 'warn' });
  });

  it('sends text ending in a newline as it is, other bytes base64, both in a here-document', () => {
    const text = sessionCommand(0, 'cat', Buffer.from('line\nEOF\n'), 'ab12').toString();
    expect(text).toContain("<<'__STRATUM_IN_ab12'\nline\nEOF\n__STRATUM_IN_ab12\n");
    const bytes = sessionCommand(1, 'cat', Buffer.from('no newline'), 'ab12').toString();
    expect(bytes).not.toContain('no newline');
    expect(bytes).toContain(`${Buffer.from('no newline').toString('base64')}\n__STRATUM_IN_ab12\n`);
    expect(sessionStdin('x')?.bytes).toEqual(Buffer.from('x'));
  });

  it('a stdin holding a known secret goes by exec, never into the shell’s script', async () => {
    const transport = counting();
    const sessions = new ShellSessions(transport, signal, (text) => text.includes('hunter2'));
    expect(await sessions.run('local', 'cat', 'pw=hunter2\n', 'cat', undefined)).toBeUndefined();
    expect(await sessions.run('local', 'cat', 'public\n', 'cat', undefined)).toMatchObject({
      stdout: 'public\n',
    });
    expect(transport.execs).toHaveLength(1);
    await sessions.close();
  });
});
