import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitReady, type JsonObject, OnceMemo, runOperation } from '@stratum/core';
import { createLocalShellTransport, createTestContext, refreshOne, runStep } from '@stratum/core/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bannerSchema } from './banner.js';
import { createMotdProvider } from './index.js';
import { pageSchema } from './page.js';

/**
 * The probes, the file writes and the readiness poll against this machine's /bin/sh: the parsers
 * must agree with what a real shell prints. Nothing here leaves the temporary directory, and no
 * server outlives its test (this test starts httpd itself, so it stays our child).
 */

const provider = createMotdProvider();
const banner = provider.kinds.motd_banner!;
const page = provider.kinds.motd_page!;
const shell = () => createTestContext(createLocalShellTransport());

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'motd-shell-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('motd_banner on a real shell', () => {
  it('writes the file with its mode, and reads it back', async () => {
    const path = join(dir, "it's a motd");
    const attrs = bannerSchema.parse({ host: 'localhost', path, text: 'no trailing newline', mode: '0640' });

    const run = await runStep(banner, { action: 'create', kind: 'motd_banner', name: 'b', attrs }, shell());

    expect(await readFile(path, 'utf8')).toBe('no trailing newline');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    const desired = attrs as unknown as JsonObject;
    const state = run.recorded!;
    expect(await refreshOne(provider, { kind: 'motd_banner', name: 'b', desired, state }, shell())).toEqual({
      changes: [],
      missing: false,
      observed: state,
    });

    await writeFile(path, 'edited by hand\n');
    const drift = await refreshOne(provider, { kind: 'motd_banner', name: 'b', desired, state }, shell());
    expect(drift.changes).toEqual([{ field: 'text', from: 'no trailing newline', to: 'edited by hand\n' }]);
  });

  it('tells a missing banner from one it cannot read', async () => {
    const read = (path: string) =>
      refreshOne(
        provider,
        {
          kind: 'motd_banner',
          name: 'b',
          desired: {},
          state: { host: 'localhost', path, mode: '0644', text: '' },
        },
        shell(),
      );
    expect(await read(join(dir, 'missing'))).toMatchObject({ missing: true });
    await mkdir(join(dir, 'a-directory'));
    expect((await read(join(dir, 'a-directory'))).unreadable).toMatch(
      /^cannot read .*a-directory on localhost \(exit 1\): cat: .*Is a directory$/,
    );
  });
});

function hasBusyboxHttpd(): boolean {
  try {
    return execFileSync('busybox', ['--list'], { encoding: 'utf8' }).split('\n').includes('httpd');
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe.skipIf(!hasBusyboxHttpd())('motd_page on a real shell (busybox httpd)', () => {
  let httpd: ChildProcess | undefined;
  afterEach(() => {
    httpd?.kill();
    httpd = undefined;
  });

  it('writes the files, answers once ready, is read back, and is removed', async () => {
    const port = await freePort();
    const attrs = pageSchema.parse({
      host: 'localhost',
      dir: join(dir, 'page'),
      text: 'Deploy at noon\n',
      port,
      password: 'correct-horse-battery',
    });
    const ctx = shell();
    const create = await page.create({
      kind: 'motd_page',
      name: 'p',
      attrs,
      raw: attrs as unknown as JsonObject,
    });
    // Every command but the last, which would start httpd detached: here the test starts it as its own child.
    const writes = { ...create, commands: create.commands.slice(0, -1), record: undefined };
    await runOperation(writes, { ...ctx, addr: 'motd_page.p', once: new OnceMemo(), warn: ctx.log.warn });
    expect((await stat(join(dir, 'page/httpd.conf'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'page/httpd.conf'), 'utf8')).toBe('/:motd:correct-horse-battery\n');

    httpd = spawn(
      'busybox',
      [
        'httpd',
        '-f',
        '-p',
        `127.0.0.1:${port}`,
        '-h',
        join(dir, 'page/www'),
        '-c',
        join(dir, 'page/httpd.conf'),
      ],
      { stdio: 'ignore' },
    );
    await writeFile(join(dir, 'page/httpd.pid'), `${httpd.pid}\n`);
    const readiness = page.ready!({ kind: 'motd_page', name: 'p', attrs, recorded: {} });
    await awaitReady(readiness!, { transport: ctx.transport, signal: ctx.signal });

    const basic = `Basic ${Buffer.from('motd:correct-horse-battery').toString('base64')}`;
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(401);
    const answer = await fetch(`http://127.0.0.1:${port}/`, { headers: { authorization: basic } });
    expect(await answer.text()).toBe('Deploy at noon\n');

    const state = { host: 'localhost', dir: attrs.dir, text: attrs.text, running: true };
    const read = () => refreshOne(provider, { kind: 'motd_page', name: 'p', desired: {}, state }, shell());
    expect(await read()).toMatchObject({ changes: [], missing: false });

    await runStep(page, { action: 'delete', kind: 'motd_page', name: 'p', prior: state }, shell());
    const server = httpd;
    const ended = server.exitCode !== null || server.signalCode !== null;
    await new Promise((resolve) => (ended ? resolve(null) : server.once('exit', resolve)));
    expect(server.signalCode).toBe('SIGTERM');
    expect(await read()).toMatchObject({ missing: true });
    await expect(stat(attrs.dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('sees a server that stopped', async () => {
    const pageDir = join(dir, 'page');
    await mkdir(join(pageDir, 'www'), { recursive: true });
    await writeFile(join(pageDir, 'www/index.html'), 'hello');
    // A live process that is not this page's httpd: the probe must not take it for one.
    await writeFile(join(pageDir, 'httpd.pid'), `${process.pid}\n`);
    const state = { host: 'localhost', dir: pageDir, text: 'hello', running: true };
    const drift = await refreshOne(provider, { kind: 'motd_page', name: 'p', desired: {}, state }, shell());
    expect(drift.changes).toEqual([{ field: 'running', from: true, to: false }]);
  });
});
