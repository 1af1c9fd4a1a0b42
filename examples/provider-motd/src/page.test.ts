import {
  awaitReady,
  buildPlan,
  checkCrossNamespace,
  createPlan,
  type ExecResult,
  planViews,
  Registry,
  refreshPlan,
  sha256Hex,
  validateDesired,
} from '@stratum/core';
import {
  createRecordingTransport,
  createTestContext,
  desiredResource,
  plannedStep,
  resourceState,
  respondByCommand,
  runStep,
  stateWith,
} from '@stratum/core/test';
import { describe, expect, it } from 'vitest';
import { createMotdProvider } from './index.js';
import { type PageAttrs, pageSchema, parsePageProbe, readyVerdict } from './page.js';

const PASSWORD = 'correct-horse-battery';
const page = { host: 'root@web1', dir: '/srv/motd', text: 'Deploy at noon\n', port: 8080 };
const withPassword = { ...page, password: PASSWORD };

function setup() {
  const provider = createMotdProvider();
  return { provider, registry: new Registry([provider]), handler: provider.kinds.motd_page! };
}

function messages(attrs: Record<string, unknown>): string[] {
  const { registry } = setup();
  return validateDesired([desiredResource('motd_page', 'notice', attrs as never)], registry).map(
    (d) => d.message,
  );
}

const stateAfterCreate = {
  host: 'root@web1',
  dir: '/srv/motd',
  port: 8080,
  bind: '127.0.0.1',
  user: 'motd',
  text: 'Deploy at noon\n',
  password_sha256: sha256Hex(PASSWORD),
  running: true,
  pid: 4242,
};

describe('motd_page attributes', () => {
  it('are checked before any host is touched', () => {
    expect(messages({ ...page, port: 70000, bind: 'localhost', pasword: 'x' })).toEqual([
      'motd_page.notice: attribute `port` must be at most 65535',
      'motd_page.notice: attribute `bind` is not valid: invalid IPv4 address',
      'motd_page.notice: unknown attribute `pasword` (did you mean `password`?)',
    ]);
    expect(messages({ ...page, dir: '/', password: 'two words' })).toEqual([
      'motd_page.notice: attribute `dir`: expected a directory of its own: not "/", without a trailing "/" or a newline',
      'motd_page.notice: attribute `password`: expected a password without whitespace that does not start with "$"',
    ]);
    expect(messages(withPassword)).toEqual([]);
  });

  it('take secret references only in password and text', () => {
    const { registry } = setup();
    const at = (line: number) => ({ file: 'web.strat', line, column: 14 });
    const resource = desiredResource('motd_page', 'notice', withPassword, {
      block: at(1),
      attrs: {},
      secretRefs: [
        { attr: 'password', secret: 'pw', location: at(2) },
        { attr: 'text', secret: 'note', location: at(3) },
        { attr: 'user', secret: 'pw', location: at(4) },
        { attr: 'dir', secret: 'pw', location: at(5) },
      ],
    });
    const found = validateDesired([resource], registry);
    expect(found.map((d) => [d.location?.line, d.hint])).toEqual([
      [4, 'motd_page takes secrets in `password` and `text`; the other attributes are kept in state'],
      [5, 'write the value itself here; secrets belong in the attributes that deliver them'],
    ]);
  });
});

describe('motd_page claims', () => {
  it('claims its port on its bind address', () => {
    const { handler } = setup();
    const attrs = pageSchema.parse(page);
    expect(handler.claims!({ kind: 'motd_page', name: 'notice', attrs })).toEqual({
      host: 'root@web1',
      claims: [{ type: 'port', port: 8080, protocol: 'tcp', bind: '127.0.0.1', label: '127.0.0.1:8080' }],
    });
  });

  it('refuses two pages on one port, and 0.0.0.0 against any bind', () => {
    const { registry } = setup();
    const plan = (second: Record<string, unknown>) =>
      buildPlan(
        [
          desiredResource('motd_page', 'a', page),
          desiredResource('motd_page', 'b', { ...page, dir: '/srv/b', ...second } as never),
        ],
        stateWith(),
        { registry },
      );
    expect(() => plan({})).toThrow(
      'port conflict on host `root@web1`: `motd_page.a` (`127.0.0.1:8080`) and `motd_page.b` (`127.0.0.1:8080`) both bind port 8080',
    );
    expect(() => plan({ bind: '0.0.0.0' })).toThrow('both bind port 8080');
    expect(() => plan({ bind: '127.0.0.2' })).not.toThrow();
    expect(() => plan({ port: 8081 })).not.toThrow();
  });

  it('are checked against sibling namespaces', () => {
    const { registry } = setup();
    const ns = (namespace: string, name: string, dir: string) => ({
      namespace,
      resources: [desiredResource('motd_page', name, { ...page, dir })],
    });
    expect(() => checkCrossNamespace(ns('app', 'a', '/srv/a'), [ns('ops', 'b', '/srv/b')], registry)).toThrow(
      'cross-namespace port conflict on host `root@web1`:',
    );
  });
});

describe('motd_page plans', () => {
  async function planAgainst(desired: Record<string, unknown>) {
    const { registry } = setup();
    const resources = [desiredResource('motd_page', 'notice', desired as never)];
    const state = stateWith(resourceState('motd_page', 'notice', stateAfterCreate));
    return buildPlan(resources, state, { registry, views: await planViews(resources, registry) });
  }

  it('compare the password by its digest', async () => {
    expect((await planAgainst(withPassword)).steps[0]?.action).toBe('noop');
    expect((await planAgainst({ ...page, password: 'another-password' })).steps[0]).toMatchObject({
      action: 'update',
      changes: [{ field: 'password_sha256', from: sha256Hex(PASSWORD), to: sha256Hex('another-password') }],
    });
  });

  it('see a password taken out of the config', async () => {
    expect((await planAgainst(page)).steps[0]).toMatchObject({
      action: 'update',
      changes: [{ field: 'password_sha256', from: sha256Hex(PASSWORD), to: null }],
    });
  });
});

describe('motd_page operations', () => {
  it('write the files, the password through stdin only, and start httpd', async () => {
    const { provider, handler } = setup();
    await provider.configure!({ busybox: '/opt/bin/busybox' }, createTestContext());
    const transport = createRecordingTransport(respondByCommand([['setsid', '4242\n']], () => ''));
    const ctx = createTestContext(transport);
    const attrs = pageSchema.parse(withPassword);

    const run = await runStep(handler, { action: 'create', kind: 'motd_page', name: 'notice', attrs }, ctx);

    expect(run.operation.commands.map((c) => c.step)).toEqual([
      'checking that /opt/bin/busybox has httpd',
      'stopping the httpd of /srv/motd',
      'creating /srv/motd/www',
      'writing /srv/motd/www/index.html',
      'writing /srv/motd/httpd.conf',
      'starting busybox httpd on 127.0.0.1:8080',
    ]);
    const conf = transport.calls.find((call) => call.command.includes('httpd.conf.stratum-tmp'));
    expect(conf?.stdin).toBe(`/:motd:${PASSWORD}\n`);
    expect(run.operation.commands[4]?.sensitive).toEqual([PASSWORD]);
    expect(transport.commands().filter((command) => command.includes(PASSWORD))).toEqual([]);
    expect(transport.commands()[5]).toContain(
      'setsid /opt/bin/busybox httpd -f -p 127.0.0.1:8080 -h "$d/www" -c "$d/httpd.conf"',
    );
    expect(run.recorded).toEqual(stateAfterCreate);
    expect(ctx.traces()).toEqual(['[motd] PAGE `notice` -> http://127.0.0.1:8080/ on root@web1']);
  });

  it('check busybox once per host and run', async () => {
    const { handler } = setup();
    const transport = createRecordingTransport(respondByCommand([['setsid', '1\n']], () => ''));
    const ctx = createTestContext(transport);
    const { OnceMemo } = await import('@stratum/core');
    const once = new OnceMemo();
    for (const name of ['a', 'b']) {
      const attrs = pageSchema.parse({ ...page, dir: `/srv/${name}`, port: name === 'a' ? 8080 : 8081 });
      await runStep(handler, { action: 'create', kind: 'motd_page', name, attrs }, ctx, { once });
    }
    expect(transport.commands().filter((command) => command.includes('--list'))).toHaveLength(1);
  });

  it('fail when httpd printed no pid, and record nothing', async () => {
    const { handler } = setup();
    const ctx = createTestContext(createRecordingTransport(() => ''));
    const attrs = pageSchema.parse(page);
    await expect(
      runStep(handler, { action: 'create', kind: 'motd_page', name: 'notice', attrs }, ctx),
    ).rejects.toMatchObject({ code: 'MotdPageNoPid' });
  });

  it('clean up where a moved page was, on the host it was on', async () => {
    const { handler } = setup();
    const transport = createRecordingTransport(respondByCommand([['setsid', '7\n']], () => ''));
    const attrs = pageSchema.parse({ ...page, host: 'root@web2' });

    await runStep(
      handler,
      { action: 'update', kind: 'motd_page', name: 'notice', attrs, prior: stateAfterCreate },
      createTestContext(transport),
    );

    expect(transport.calls.slice(0, 2).map((call) => call.host)).toEqual(['root@web1', 'root@web1']);
    expect(transport.calls.slice(2).every((call) => call.host === 'root@web2')).toBe(true);
  });

  it('delete: stop the server, remove the files, warn about a directory that is not empty', async () => {
    const { handler } = setup();
    const transport = createRecordingTransport(
      respondByCommand(
        [['rmdir', { exitCode: 1, stderr: "rmdir: failed to remove '/srv/motd': Directory not empty\n" }]],
        () => '',
      ),
    );
    const ctx = createTestContext(transport);

    await runStep(
      handler,
      { action: 'delete', kind: 'motd_page', name: 'notice', prior: stateAfterCreate },
      ctx,
    );

    expect(transport.commands()).toHaveLength(2);
    expect(ctx.warnings()).toEqual([
      "motd_page.notice: removal of /srv/motd on root@web1 failed (exit 1); ignored: rmdir: failed to remove '/srv/motd': Directory not empty",
    ]);
  });
});

describe('motd_page readiness', () => {
  const request = (attrs: PageAttrs) => ({ kind: 'motd_page', name: 'notice', attrs });
  const result = (exitCode: number, stdout = ''): ExecResult => ({ exitCode, stdout, stderr: '' });

  it('judges one poll', () => {
    const open = request(pageSchema.parse(page));
    const locked = request(pageSchema.parse(withPassword));
    const unauthorized = result(1, 'wget: server returned error: HTTP/1.1 401 Unauthorized\n');
    const refused = result(1, "wget: can't connect to remote host (127.0.0.1): Connection refused\n");
    expect(readyVerdict(open, result(0))).toBe('ready');
    expect(readyVerdict(locked, unauthorized)).toBe('ready');
    expect(readyVerdict(open, unauthorized)).toBe('waiting');
    expect(readyVerdict(open, refused)).toBe('waiting');
    const dead = readyVerdict(open, result(3, 'httpd is not running\nhttpd: bind: Address already in use\n'));
    expect(dead).toMatchObject({
      failed: {
        code: 'MotdPageNotRunning',
        message:
          'motd_page.notice: httpd on root@web1 exited right after it started: httpd: bind: Address already in use',
      },
    });
  });

  it('polls until the page answers', async () => {
    const { handler } = setup();
    const answers = [result(1, 'Connection refused\n'), result(1, 'HTTP/1.1 401 Unauthorized\n')];
    const transport = createRecordingTransport(() => answers.shift());
    const attrs = pageSchema.parse(withPassword);
    const readiness = handler.ready!({
      kind: 'motd_page',
      name: 'notice',
      attrs,
      recorded: stateAfterCreate,
    });

    await awaitReady(readiness!, { transport, signal: new AbortController().signal, sleep: async () => {} });

    expect(transport.calls).toHaveLength(2);
    expect(transport.calls[0]?.command).toContain('busybox wget -q -O /dev/null http://127.0.0.1:8080/');
    expect(transport.calls[0]?.command).not.toContain(PASSWORD);
  });

  it('gives up with the last answer', async () => {
    const { handler } = setup();
    const transport = createRecordingTransport(() => result(1, 'Connection refused\n'));
    const attrs = pageSchema.parse(page);
    const readiness = handler.ready!({
      kind: 'motd_page',
      name: 'notice',
      attrs,
      recorded: stateAfterCreate,
    });

    await expect(
      awaitReady(readiness!, { transport, signal: new AbortController().signal, sleep: async () => {} }),
    ).rejects.toMatchObject({
      code: 'MotdPageNotAnswering',
      message:
        'motd_page.notice: http://127.0.0.1:8080/ on root@web1 did not answer after 40 polls: Connection refused',
    });
  });
});

describe('motd_page probe', () => {
  const target = { host: 'root@web1', dir: '/srv/motd' };

  it('reports the text and whether the server runs', () => {
    expect(parsePageProbe(target, 'running\nDeploy at noon\n', 0)).toEqual({
      status: 'present',
      attrs: { host: 'root@web1', dir: '/srv/motd', text: 'Deploy at noon\n', running: true },
    });
    expect(parsePageProbe(target, 'stopped\n', 0)).toMatchObject({ attrs: { text: '', running: false } });
    expect(parsePageProbe(target, '', 3)).toEqual({ status: 'absent' });
    expect(parsePageProbe(target, 'stopped\ncat: index.html: Is a directory\n', 1)).toEqual({
      status: 'unknown',
      reason: 'cannot read the page in /srv/motd on root@web1 (exit 1): cat: index.html: Is a directory',
    });
  });

  it('reads a page and a banner of one host in one round trip', async () => {
    const { registry } = setup();
    const transport = createRecordingTransport(
      respondByCommand([
        ['/srv/motd', 'stopped\nDeploy at noon\n'],
        ['p=/etc/motd', { exitCode: 3 }],
      ]),
    );
    const plan = createPlan([
      plannedStep('motd_page', 'notice', { prior: stateAfterCreate }),
      plannedStep('motd_banner', 'welcome', {
        prior: { host: 'root@web1', path: '/etc/motd', mode: '0644', text: 'Hi\n' },
      }),
    ]);

    const refreshed = await refreshPlan(plan, registry, createTestContext(transport));

    expect(transport.calls).toHaveLength(1);
    expect(refreshed.steps.map((step) => step.drift)).toMatchObject([
      { changes: [{ field: 'running', from: true, to: false }], missing: false },
      { changes: [], missing: true },
    ]);
  });
});
