import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processRunning, runLeakyWorker } from './__fixtures__/run-leaky-worker';
import { freePort, pollUntil, run, spawnService, tcpAccepts } from './process';
import { TestkitError } from './testkit-error';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'testkit-process-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('run', () => {
  it('returns exit code, stdout and stderr of a failing command without throwing', async () => {
    const result = await run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
  });

  it('feeds input to stdin', async () => {
    const result = await run('tr', ['a-z', 'A-Z'], { input: 'hello\n' });
    expect(result.stdout).toBe('HELLO\n');
  });

  it('throws CommandFailed with the stderr when check is set', async () => {
    const error = await run('sh', ['-c', 'echo broken pipe dream >&2; exit 2'], { check: true }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(TestkitError);
    expect(error.code).toBe('CommandFailed');
    expect(error.message).toContain('exited with code 2');
    expect(error.detail).toBe('broken pipe dream');
  });

  it('throws CommandFailed naming the command when it cannot be started', async () => {
    const error = await run('stratum-no-such-command', ['x']).catch((e) => e);
    expect(error.code).toBe('CommandFailed');
    expect(error.message).toContain('cannot run stratum-no-such-command x');
  });

  it('on timeout signals the whole process group and waits for it', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    // The shell reaps its background sleep when the group's SIGTERM arrives, so
    // the grandchild is really gone (not a zombie) once run() settles.
    const script = `trap 'wait; exit 7' TERM; sleep 30 & echo $! > ${pidFile}; wait`;
    const error = await run('sh', ['-c', script], { timeoutMs: 300 }).catch((e) => e);
    expect(error.code).toBe('CommandTimeout');
    const grandchild = (await readFile(pidFile, 'utf8')).trim();
    expect(existsSync(`/proc/${grandchild}`)).toBe(false);
  });

  it('reports a signal death as 128 + the signal number', async () => {
    const result = await run('sh', ['-c', 'kill -KILL $$']);
    expect(result).toMatchObject({ code: 137, signal: 'SIGKILL' });
  });
});

describe('spawnService', () => {
  async function startHttpd() {
    const port = await freePort();
    await writeFile(join(dir, 'index.html'), 'hello from busybox\n');
    const service = await spawnService('busybox', ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', dir], {
      name: 'busybox httpd',
      ready: () => tcpAccepts(port),
    });
    return { service, port };
  }

  it('resolves once ready, serves, and stop() kills and reaps it', async () => {
    const { service, port } = await startHttpd();
    const body = await (await fetch(`http://127.0.0.1:${port}/index.html`)).text();
    expect(body).toBe('hello from busybox\n');
    const info = await service.stop();
    expect(info).toEqual({ code: 143, signal: 'SIGTERM' });
    expect(existsSync(`/proc/${service.pid}`)).toBe(false);
    expect(await tcpAccepts(port)).toBe(false);
    // A second stop is the same stop.
    expect(await service.stop()).toEqual(info);
  });

  it('throws ServiceExited with the output when the child dies before it is ready', async () => {
    const error = await spawnService('sh', ['-c', 'echo cannot bind >&2; exit 4'], {
      name: 'doomed',
      ready: async () => false,
    }).catch((e) => e);
    expect(error.code).toBe('ServiceExited');
    expect(error.message).toContain('doomed exited with code 4 before it was ready');
    expect(error.detail).toBe('cannot bind');
  });

  it('throws ServiceExited when the program does not exist', async () => {
    const error = await spawnService('stratum-no-such-daemon', [], {
      name: 'ghost',
      ready: async () => false,
    }).catch((e) => e);
    expect(error.code).toBe('ServiceExited');
    expect(error.message).toContain('ghost exited with code 127');
    expect(error.detail).toContain('No such file or directory');
  });

  it('stops a child that never becomes ready and throws ServiceNotReady', async () => {
    const pidFile = join(dir, 'slow.pid');
    const error = await spawnService('sh', ['-c', `echo $$ > ${pidFile}; echo waiting; exec sleep 30`], {
      name: 'slowpoke',
      ready: async () => false,
      readyTimeoutMs: 300,
    }).catch((e) => e);
    expect(error.code).toBe('ServiceNotReady');
    expect(error.detail).toBe('waiting');
    const pid = (await readFile(pidFile, 'utf8')).trim();
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });
});

describe('pollUntil', () => {
  it('returns the first defined value, treating throws as "not yet"', async () => {
    let calls = 0;
    const value = await pollUntil(
      async () => {
        calls++;
        if (calls === 1) throw new Error('not up yet');
        return calls >= 3 ? 'ready' : undefined;
      },
      { timeoutMs: 5000, intervalMs: 1 },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('returns undefined when time runs out', async () => {
    expect(await pollUntil(async () => undefined, { timeoutMs: 30, intervalMs: 5 })).toBeUndefined();
  });
});

describe('freePort', () => {
  it('gives a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    expect(await tcpAccepts(port)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
  });
});

describe('when vitest ends a worker that left children running', () => {
  it('kills them (the end-of-process hook)', async () => {
    const output = await runLeakyWorker(join(dir, 'leak.txt'));
    const pid = Number(/^pid (\d+)$/m.exec(output)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(await pollUntil(async () => (processRunning(pid) ? undefined : true), { timeoutMs: 5000 })).toBe(
      true,
    );
  }, 60_000);
});
