import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandFailedError } from '../command-failure';
import { StratumError } from '../errors';
import type { HostCommand, Operation } from '../operation';
import { createRecordingTransport, respondByCommand } from '../test/recording-transport';
import type { ExecResult, Transport } from '../transport';
import { OnceMemo, type RunOperationContext, runOperation } from './run-operation';

const ADDR = 'demo_thing.web';

function context(transport: Transport, overrides: Partial<RunOperationContext> = {}) {
  const warnings: string[] = [];
  const ctx: RunOperationContext = {
    transport,
    signal: new AbortController().signal,
    addr: ADDR,
    once: new OnceMemo(),
    warn: (line) => warnings.push(line),
    ...overrides,
  };
  return { ctx, warnings };
}

const op = (commands: HostCommand[], extra: Partial<Operation> = {}): Operation => ({
  host: 'h1',
  commands,
  ...extra,
});

const cmd = (command: string, extra: Partial<HostCommand> = {}): HostCommand => ({
  command,
  step: `step ${command}`,
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('runOperation', () => {
  it('runs the commands in order on the operation’s host and records from their results', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['first', 'one\n'],
        ['second', 'two\n'],
      ]),
    );
    const { ctx } = context(transport);
    const seen: (ExecResult | undefined)[][] = [];
    const outcome = await runOperation(
      op([cmd('first', { stdin: 'payload', timeoutMs: 1234 }), cmd('second')], {
        record: (results) => {
          seen.push([...results]);
          return { out: results.map((r) => r?.stdout.trim() ?? '-').join(',') };
        },
      }),
      ctx,
    );
    expect(transport.calls.map((c) => [c.host, c.command])).toEqual([
      ['h1', 'first'],
      ['h1', 'second'],
    ]);
    expect(transport.calls[0]?.stdin).toBe('payload');
    expect(transport.calls[0]?.options.timeoutMs).toBe(1234);
    expect(transport.calls[0]?.options.signal).toBe(ctx.signal);
    expect(outcome.results).toEqual([
      { exitCode: 0, stdout: 'one\n', stderr: '' },
      { exitCode: 0, stdout: 'two\n', stderr: '' },
    ]);
    expect(seen).toHaveLength(1);
    expect(outcome.recorded).toEqual({ out: 'one,two' });
  });

  it('records undefined without a record function, and runs an empty operation', async () => {
    const transport = createRecordingTransport();
    const { ctx } = context(transport);
    expect(await runOperation(op([]), ctx)).toEqual({ results: [], recorded: undefined });
    expect(transport.calls).toEqual([]);
  });

  it('stops at the first failing command with the exact CommandFailedError', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['ok', ''],
        ['bad', { exitCode: 100, stdout: 'progress\n', stderr: 'E: Unable to locate package nginxx\n' }],
        ['never', ''],
      ]),
    );
    const { ctx } = context(transport);
    let recorded = false;
    const error = await failure(
      runOperation(
        op([cmd('ok'), cmd('bad', { step: 'apt-get install nginxx' }), cmd('never')], {
          record: () => {
            recorded = true;
            return {};
          },
        }),
        ctx,
      ),
    );
    expect(CommandFailedError.isInstance(error)).toBe(true);
    const failed = error as CommandFailedError;
    expect(failed.message).toBe(
      'demo_thing.web: apt-get install nginxx failed on h1 (exit 100):\nE: Unable to locate package nginxx',
    );
    expect(failed.code).toBe('CommandFailed');
    expect(failed.resource).toBe(ADDR);
    expect(failed.host).toBe('h1');
    expect(failed.step).toBe('apt-get install nginxx');
    expect(failed.exitCode).toBe(100);
    expect(failed.hint).toBe('fix the cause shown above on the host or in the config, then apply again');
    expect(transport.commands()).toEqual(['ok', 'bad']);
    expect(recorded).toBe(false);
  });

  it('shows stdout when stderr is blank, `(no output)` when both are, and the command’s hint', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['out', { exitCode: 2, stdout: 'said on stdout\n', stderr: '  \n' }],
        ['quiet', { exitCode: 3 }],
      ]),
    );
    const { ctx } = context(transport);
    const a = (await failure(runOperation(op([cmd('out', { step: 'do it' })]), ctx))) as Error;
    expect(a.message).toBe('demo_thing.web: do it failed on h1 (exit 2):\nsaid on stdout');
    const b = (await failure(
      runOperation(op([cmd('quiet', { step: 'hush', hint: 'check the unit file' })]), ctx),
    )) as CommandFailedError;
    expect(b.message).toBe('demo_thing.web: hush failed on h1 (exit 3):\n(no output)');
    expect(b.hint).toBe('check the unit file');
  });

  it('masks the command’s sensitive values (4 characters or more) in the error', async () => {
    const transport = createRecordingTransport(() => ({
      exitCode: 1,
      stderr: 'login as admin with hunter22 failed; pin 123\n',
    }));
    const { ctx } = context(transport);
    const error = (await failure(
      runOperation(op([cmd('login', { step: 'log in', sensitive: ['hunter22', '123', 'admin'] })]), ctx),
    )) as CommandFailedError;
    expect(error.message).toBe(
      'demo_thing.web: log in failed on h1 (exit 1):\nlogin as *** with *** failed; pin 123',
    );
    expect(error.output).not.toContain('hunter22');
  });

  it('treats a failure whose stdout or stderr matches okIfOutput as success', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['rm-a', { exitCode: 1, stderr: 'Error: No such container: web' }],
        ['rm-b', { exitCode: 1, stdout: 'No such container: web' }],
        ['rm-c', { exitCode: 1, stderr: 'permission denied' }],
      ]),
    );
    const { ctx } = context(transport);
    const gone = /No such container/;
    const outcome = await runOperation(
      op([cmd('rm-a', { okIfOutput: gone }), cmd('rm-b', { okIfOutput: gone })]),
      ctx,
    );
    expect(outcome.results.map((r) => r?.exitCode)).toEqual([1, 1]);
    await expect(runOperation(op([cmd('rm-c', { okIfOutput: gone })]), ctx)).rejects.toThrow(
      'step rm-c failed on h1 (exit 1)',
    );
  });

  it('matches an okIfOutput written with the g flag on every run', async () => {
    // A kind may keep its pattern in a module-level constant; RegExp#test on a
    // global pattern is stateful (lastIndex), so every other run would fail.
    const transport = createRecordingTransport(() => ({ exitCode: 1, stderr: 'No such container: web' }));
    const { ctx } = context(transport);
    const gone = /No such container/g;
    const remove = cmd('rm', { step: 'remove web', okIfOutput: gone });
    for (let run = 0; run < 3; run++) {
      await expect(runOperation(op([remove]), ctx)).resolves.toBeDefined();
    }
  });

  it('warns and goes on for onFailure warn, with the exact text and sensitive values masked', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['disable', { exitCode: 5, stderr: 'first line\nFailed: token s3cr3t-token rejected\n\n' }],
        ['silent', { exitCode: 4 }],
        ['next', ''],
      ]),
    );
    const { ctx, warnings } = context(transport);
    const outcome = await runOperation(
      op([
        cmd('disable', { step: 'systemctl disable app', onFailure: 'warn', sensitive: ['s3cr3t-token'] }),
        cmd('silent', { step: 'rm -f /run/app.pid', onFailure: 'warn' }),
        cmd('next'),
      ]),
      ctx,
    );
    expect(warnings).toEqual([
      'demo_thing.web: systemctl disable app on h1 failed (exit 5); ignored: Failed: token *** rejected',
      'demo_thing.web: rm -f /run/app.pid on h1 failed (exit 4); ignored',
    ]);
    expect(transport.commands()).toEqual(['disable', 'silent', 'next']);
    expect(outcome.results).toHaveLength(3);
  });

  it('goes on silently for onFailure ignore', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['try', { exitCode: 9, stderr: 'whatever' }],
        ['next', ''],
      ]),
    );
    const { ctx, warnings } = context(transport);
    const outcome = await runOperation(op([cmd('try', { onFailure: 'ignore' }), cmd('next')]), ctx);
    expect(warnings).toEqual([]);
    expect(outcome.results.map((r) => r?.exitCode)).toEqual([9, 0]);
  });

  it('runs a once command once per host across the operations sharing a memo', async () => {
    const transport = createRecordingTransport(() => '');
    const once = new OnceMemo();
    const { ctx } = context(transport, { once });
    const update = cmd('apt-get update', { once: 'apt-update' });
    const recordedWith: (ExecResult | undefined)[][] = [];
    const record = (results: readonly (ExecResult | undefined)[]) => {
      recordedWith.push([...results]);
      return {};
    };
    await runOperation(op([update, cmd('install a')], { record }), ctx);
    const second = await runOperation(op([update, cmd('install b')], { record }), ctx);
    await runOperation(op([update, cmd('install c')], { host: 'h2', record }), ctx);
    // Another run (a fresh memo) runs it again.
    await runOperation(op([update]), { ...ctx, once: new OnceMemo() });
    expect(transport.calls.map((c) => `${c.host}:${c.command}`)).toEqual([
      'h1:apt-get update',
      'h1:install a',
      'h1:install b',
      'h2:apt-get update',
      'h2:install c',
      'h1:apt-get update',
    ]);
    expect(second.results[0]).toBeUndefined();
    // record receives undefined for the skipped command.
    expect(recordedWith[1]).toEqual([undefined, { exitCode: 0, stdout: '', stderr: '' }]);
  });

  it('tries a once command again after it failed', async () => {
    let attempts = 0;
    const transport = createRecordingTransport(
      respondByCommand([
        [
          'apt-get update',
          () => {
            attempts++;
            return attempts === 1 ? { exitCode: 100, stderr: 'mirror down' } : '';
          },
        ],
        ['install', ''],
      ]),
    );
    const { ctx } = context(transport);
    const update = cmd('apt-get update', { step: 'apt-get update', once: 'apt-update' });
    await expect(runOperation(op([update, cmd('install a')]), ctx)).rejects.toThrow(
      'demo_thing.web: apt-get update failed on h1 (exit 100):\nmirror down',
    );
    await runOperation(op([update, cmd('install b')]), ctx);
    await runOperation(op([update, cmd('install c')]), ctx);
    expect(transport.commands()).toEqual(['apt-get update', 'apt-get update', 'install b', 'install c']);
  });

  it('appends the explain commands’ output (masked, tailed) to the error, on the failing host', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['systemctl restart', { exitCode: 1, stderr: 'Job failed.' }],
        ['systemctl status', { exitCode: 3, stdout: 'line1\nline2\nline3\npassword=hunter22\n' }],
        ['journalctl', { stdout: 'j1\n', stderr: 'j2' }],
        [
          'broken',
          () => {
            throw new Error('connection lost');
          },
        ],
      ]),
    );
    const { ctx } = context(transport);
    const error = (await failure(
      runOperation(
        op([
          cmd('systemctl restart app', {
            step: 'systemctl restart app',
            host: 'h9',
            sensitive: ['hunter22'],
            explain: [
              { command: 'systemctl status app', title: 'systemctl status', lines: 2 },
              { command: 'broken diag', title: 'never shown' },
              { command: 'journalctl -u app', title: 'journal' },
            ],
          }),
        ]),
        ctx,
      ),
    )) as CommandFailedError;
    expect(error.message).toBe(
      'demo_thing.web: systemctl restart app failed on h9 (exit 1):\nJob failed.\n' +
        'systemctl status:\nline3\npassword=***\n' +
        'journal:\nj1\nj2',
    );
    const explains = transport.calls.slice(1);
    expect(explains.map((c) => c.host)).toEqual(['h9', 'h9', 'h9']);
    expect(explains.every((c) => c.options.idempotent === true)).toBe(true);
  });

  it('does not run explain commands when the command succeeds or is tolerated', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['good', ''],
        ['meh', { exitCode: 1 }],
      ]),
    );
    const { ctx } = context(transport);
    const explain = [{ command: 'diag', title: 'diag' }];
    await runOperation(op([cmd('good', { explain }), cmd('meh', { explain, onFailure: 'warn' })]), ctx);
    expect(transport.commands()).toEqual(['good', 'meh']);
  });

  it('calls a stdin function only when its command runs, once per run', async () => {
    const calls: string[] = [];
    const transport = createRecordingTransport(
      respondByCommand([
        ['upload', ''],
        ['fail', { exitCode: 1 }],
      ]),
    );
    const { ctx } = context(transport);
    const stdin = (tag: string) => () => {
      calls.push(tag);
      async function* chunks() {
        yield new TextEncoder().encode(`content ${tag}`);
      }
      return chunks();
    };
    const operation = op([
      cmd('upload a', { stdin: stdin('a') }),
      cmd('fail'),
      cmd('upload b', { stdin: stdin('b') }),
    ]);
    expect(calls).toEqual([]);
    await expect(runOperation(operation, ctx)).rejects.toThrow(CommandFailedError);
    expect(calls).toEqual(['a']);
    await expect(runOperation(operation, ctx)).rejects.toThrow(CommandFailedError);
    expect(calls).toEqual(['a', 'a']);
    expect(transport.calls.map((c) => c.stdin)).toEqual(['content a', undefined, 'content a', undefined]);
  });

  it('runs a command on its own host when it names one', async () => {
    const transport = createRecordingTransport(
      respondByCommand([
        ['cleanup', { exitCode: 1, stderr: 'busy' }],
        ['', ''],
      ]),
    );
    const { ctx, warnings } = context(transport);
    await runOperation(
      op([
        cmd('install', {}),
        cmd('cleanup old', { step: 'remove old copy', host: 'old-host', onFailure: 'warn' }),
      ]),
      ctx,
    );
    expect(transport.calls.map((c) => `${c.host}:${c.command}`)).toEqual([
      'h1:install',
      'old-host:cleanup old',
    ]);
    expect(warnings).toEqual(['demo_thing.web: remove old copy on old-host failed (exit 1); ignored: busy']);
  });

  it('keys once commands by the host they run on', async () => {
    const transport = createRecordingTransport(() => '');
    const { ctx } = context(transport);
    await runOperation(op([cmd('refresh', { once: 'k', host: 'h2' })]), ctx);
    await runOperation(op([cmd('refresh', { once: 'k' })], { host: 'h2' }), ctx);
    await runOperation(op([cmd('refresh', { once: 'k' })], { host: 'h1' }), ctx);
    expect(transport.calls.map((c) => c.host)).toEqual(['h2', 'h1']);
  });

  it('fails when record throws', async () => {
    const transport = createRecordingTransport(() => 'garbage');
    const { ctx } = context(transport);
    const error = new StratumError('UnexpectedOutput', 'demo_thing.web: could not parse the container id');
    await expect(
      runOperation(
        op([cmd('create')], {
          record: () => {
            throw error;
          },
        }),
        ctx,
      ),
    ).rejects.toBe(error);
  });

  it('rejects as the transport does, and runs nothing once aborted', async () => {
    const unreachable = createRecordingTransport(() => {
      throw new Error('connect ECONNREFUSED');
    });
    await expect(runOperation(op([cmd('x')]), context(unreachable).ctx)).rejects.toThrow('ECONNREFUSED');

    const transport = createRecordingTransport(() => '');
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    await expect(
      runOperation(op([cmd('x')]), context(transport, { signal: controller.signal }).ctx),
    ).rejects.toThrow('interrupted');
    expect(transport.calls).toEqual([]);
  });

  it('stops between commands when the signal is aborted', async () => {
    const controller = new AbortController();
    const transport = createRecordingTransport(() => {
      controller.abort(new Error('interrupted'));
      return '';
    });
    await expect(
      runOperation(op([cmd('a'), cmd('b')]), context(transport, { signal: controller.signal }).ctx),
    ).rejects.toThrow('interrupted');
    expect(transport.commands()).toEqual(['a']);
  });
});

describe('OnceMemo', () => {
  const ok: ExecResult = { exitCode: 0, stdout: '', stderr: '' };

  it('shares a running command with concurrent askers', async () => {
    const memo = new OnceMemo();
    let runs = 0;
    let finish: (r: ExecResult) => void = () => {};
    const first = memo.run('h', 'k', () => {
      runs++;
      return new Promise((resolve) => {
        finish = resolve;
      });
    });
    const second = memo.run('h', 'k', async () => {
      runs++;
      return ok;
    });
    await Promise.resolve();
    finish(ok);
    expect(await first).toBe(ok);
    expect(await second).toBeUndefined();
    expect(runs).toBe(1);
  });

  it('retries after a rejected run, and lets the rejection through to its caller', async () => {
    const memo = new OnceMemo();
    await expect(memo.run('h', 'k', () => Promise.reject(new Error('lost')))).rejects.toThrow('lost');
    expect(await memo.run('h', 'k', async () => ok)).toBe(ok);
    expect(await memo.run('h', 'k', async () => ok)).toBeUndefined();
  });

  it('lets waiters retry, one at a time, when the run they waited on failed', async () => {
    const memo = new OnceMemo();
    const runs: number[] = [];
    const running = { now: 0, max: 0 };
    const attempt = (n: number) => async (): Promise<ExecResult> => {
      running.now++;
      running.max = Math.max(running.max, running.now);
      runs.push(n);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running.now--;
      return n === 0 ? { exitCode: 1, stdout: '', stderr: '' } : ok;
    };
    const results = await Promise.all([0, 1, 2, 3].map((n) => memo.run('h', 'k', attempt(n))));
    expect(runs).toEqual([0, 1]);
    expect(running.max).toBe(1);
    expect(results.map((r) => r?.exitCode)).toEqual([1, 0, undefined, undefined]);
  });

  it('property: under concurrency each (host, key) runs until its first success, never twice at once', async () => {
    const call = fc.record({
      host: fc.constantFrom('h1', 'h2'),
      key: fc.constantFrom('a', 'b', 'c'),
      fails: fc.boolean(),
      delay: fc.integer({ min: 0, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { maxLength: 12 }), async (calls) => {
        const memo = new OnceMemo();
        const inFlight = new Map<string, number>();
        const succeeded = new Set<string>();
        const ranAfterSuccess: string[] = [];
        const overlapping: string[] = [];
        const results = await Promise.all(
          calls.map((c) =>
            memo.run(c.host, c.key, async () => {
              const slot = `${c.host}/${c.key}`;
              if (succeeded.has(slot)) ranAfterSuccess.push(slot);
              if ((inFlight.get(slot) ?? 0) > 0) overlapping.push(slot);
              inFlight.set(slot, (inFlight.get(slot) ?? 0) + 1);
              for (let i = 0; i < c.delay; i++) await Promise.resolve();
              inFlight.set(slot, inFlight.get(slot)! - 1);
              if (!c.fails) succeeded.add(slot);
              return { exitCode: c.fails ? 1 : 0, stdout: '', stderr: '' };
            }),
          ),
        );
        expect(ranAfterSuccess).toEqual([]);
        expect(overlapping).toEqual([]);
        // Every slot with a successful caller succeeded exactly once; nobody is left without an answer
        // unless that slot's success happened.
        for (const [i, c] of calls.entries()) {
          if (results[i] === undefined) expect(succeeded.has(`${c.host}/${c.key}`)).toBe(true);
        }
        const successes = results.filter((r) => r?.exitCode === 0).length;
        expect(successes).toBe(succeeded.size);
      }),
      { numRuns: 200 },
    );
  });
});
