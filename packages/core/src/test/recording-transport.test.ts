import { describe, expect, it } from 'vitest';
import { buildProbeScript, PROBE_BATCH_COMMAND, splitProbeOutput } from '../probe-batch';
import { createRecordingTransport, type ExecCall, respondByCommand } from './recording-transport';

describe('createRecordingTransport', () => {
  it('records host, command, options and stdin of every kind as text', async () => {
    const transport = createRecordingTransport(() => 'ok');
    async function* chunks() {
      yield new TextEncoder().encode('stre');
      yield new TextEncoder().encode('amed');
    }
    expect(await transport.exec('h1', 'a', { timeoutMs: 5 })).toEqual({
      exitCode: 0,
      stdout: 'ok',
      stderr: '',
    });
    await transport.exec('h2', 'b', { stdin: 'text' });
    await transport.exec('h1', 'c', { stdin: new TextEncoder().encode('bytes') });
    await transport.exec('h1', 'd', { stdin: chunks(), idempotent: true });
    expect(transport.calls).toEqual([
      { host: 'h1', command: 'a', stdin: undefined, options: { timeoutMs: 5 } },
      { host: 'h2', command: 'b', stdin: 'text', options: {} },
      { host: 'h1', command: 'c', stdin: 'bytes', options: {} },
      { host: 'h1', command: 'd', stdin: 'streamed', options: { idempotent: true } },
    ]);
    expect(transport.commands('h1')).toEqual(['a', 'c', 'd']);
    expect(transport.callsTo('h2')).toHaveLength(1);
    transport.clear();
    expect(transport.calls).toEqual([]);
  });

  it('fails loudly on a command nobody answers, and passes responder errors through', async () => {
    const transport = createRecordingTransport((call) => {
      if (call.host === 'down') throw new Error('unreachable');
      return undefined;
    });
    await expect(transport.exec('h', 'rm -rf /tmp/x')).rejects.toThrow(
      'recording transport: no response for command on h: rm -rf /tmp/x',
    );
    await expect(transport.exec('down', 'true')).rejects.toThrow('unreachable');
  });

  it('answers a probe batch probe by probe and assembles the shell’s output', async () => {
    const seen: ExecCall[] = [];
    const transport = createRecordingTransport((call) => {
      seen.push(call);
      return call.command === 'one' ? { stdout: 'out', stderr: 'err', exitCode: 2 } : 'two\n';
    });
    const script = buildProbeScript(['one', 'two'], 'abc');
    const result = await transport.exec('h', PROBE_BATCH_COMMAND, { stdin: script, idempotent: true });
    expect(transport.calls).toEqual([
      {
        host: 'h',
        command: PROBE_BATCH_COMMAND,
        stdin: script,
        options: { idempotent: true },
        probes: ['one', 'two'],
      },
    ]);
    expect(seen.map((c) => [c.command, c.probe])).toEqual([
      ['one', { index: 0, count: 2 }],
      ['two', { index: 1, count: 2 }],
    ]);
    expect(splitProbeOutput(result.stdout, 'abc', 2).runs).toEqual([
      { output: 'outerr', exitCode: 2 },
      { output: 'two\n', exitCode: 0 },
    ]);
  });

  it('names the unanswered probe', async () => {
    const transport = createRecordingTransport(respondByCommand([['one', '']]));
    await expect(
      transport.exec('h', PROBE_BATCH_COMMAND, { stdin: buildProbeScript(['one', 'cat /x'], 'abc') }),
    ).rejects.toThrow('no response for probe 1 on h: cat /x');
  });

  it('hands the raw batch to the responder when asked to', async () => {
    const transport = createRecordingTransport((call) => call.stdin, { splitProbeBatches: false });
    const script = buildProbeScript(['one'], 'abc');
    expect((await transport.exec('h', PROBE_BATCH_COMMAND, { stdin: script })).stdout).toBe(script);
    expect(transport.calls[0]!.probes).toBeUndefined();
  });
});

describe('respondByCommand', () => {
  const call = (command: string): ExecCall => ({ host: 'h', command, stdin: undefined, options: {} });

  it('takes the first matching rule: substring, pattern or predicate', () => {
    const responder = respondByCommand(
      [
        ['apt-get', 'by substring'],
        [/^docker (ps|inspect)/, { stdout: 'by pattern', exitCode: 1 }],
        [(c) => c.command.length > 20, (c) => `long: ${c.command.length}`],
      ],
      () => 'fallback',
    );
    expect(responder(call('sudo apt-get install x'))).toBe('by substring');
    expect(responder(call('docker ps -a'))).toEqual({ stdout: 'by pattern', exitCode: 1 });
    expect(responder(call('a command over twenty chars'))).toBe('long: 27');
    expect(responder(call('ls'))).toBe('fallback');
    expect(respondByCommand([])(call('ls'))).toBeUndefined();
  });
});
