import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { freePort } from '@stratum/testkit';
import { describe, expect, it } from 'vitest';
import { expectExit, expectGolden, hostBlock, STACK_LINE, useWorkspacePerTest } from './harness';

/** Every way a user's command can go wrong before or while it reaches a host. */

const t = useWorkspacePerTest();

const FILE = `${hostBlock('box')}
resource "ssh_file" "a" {
  host    = host.box.addr
  path    = "@HOST@/a"
  content = "a\\n"
}
`;

describe('config errors', { timeout: 30_000 }, () => {
  it('an unknown attribute is reported at file:line:col with a did-you-mean', async () => {
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}
resource "system_file" "conf" {
  host    = host.box.addr
  path    = "@HOST@/conf"
  contnet = "x"
}
`,
    );
    const plan = await t.ws.run(['plan']);
    expectExit(plan, 1);
    const validate = await t.ws.run(['validate']);
    expectExit(validate, 1);
    expectGolden('error-unknown-attribute', t.ws, plan, validate);
    expect(plan.stderr).toContain('stratum.strat:9:3:');
    expect(plan.stderr).toContain('(did you mean `content`?)');
  });

  it('a syntax error prints a code frame', async () => {
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}
resource "ssh_file" "a" {
  host    = host.box.addr
  path    = "@HOST@/a"
  content = "a\\n"
}}
`,
    );
    const plan = await t.ws.run(['plan']);
    expectExit(plan, 1);
    expectGolden('error-syntax', t.ws, plan);
    expect(plan.stderr).toMatch(/^ *10 \| \}\}$/m);
    expect(plan.stderr).not.toMatch(STACK_LINE);
  });

  it('a missing config file names the file', async () => {
    const plan = await t.ws.run(['plan']);
    expectExit(plan, 1);
    const other = await t.ws.run(['plan', '-c', 'nope.strat']);
    expectExit(other, 1);
    expectGolden('error-config-missing', t.ws, plan, other);
  });

  it('an unknown command or flag is a usage error, exit 1', async () => {
    const unknown = await t.ws.run(['deploy']);
    expectExit(unknown, 1);
    const flag = await t.ws.run(['plan', '--frobnicate']);
    expectExit(flag, 1);
    const none = await t.ws.run([]);
    expectExit(none, 1);
    expectGolden('error-usage', t.ws, unknown, flag, none);
  });
});

describe('state file errors', { timeout: 30_000 }, () => {
  it('a corrupt state file is a clear error and is left untouched', async () => {
    t.ws.write('stratum.strat', FILE);
    const corrupt = '{"version":1,"resources":{\n';
    t.ws.write('.stratum/state.json', corrupt);
    const plan = await t.ws.run(['plan']);
    expectExit(plan, 1);
    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 1);
    expectGolden('error-state-corrupt', t.ws, plan, apply);
    // --verbose is the one way to get the stack.
    const verbose = await t.ws.run(['plan', '--verbose']);
    expectExit(verbose, 1);
    expect(verbose.stderr).toMatch(STACK_LINE);
    expect(plan.stderr).not.toMatch(STACK_LINE);
    expect(t.ws.read('.stratum/state.json')).toBe(corrupt);
    expect(existsSync(t.ws.hostPath('a'))).toBe(false);
    // The lock taken for the apply was released.
    expect(t.ws.exists('.stratum/state.json.lock')).toBe(false);
  });

  it('a state file of the wrong shape is refused the same way', async () => {
    t.ws.write('stratum.strat', FILE);
    const wrong =
      '{"version":1,"resources":{"ssh_file.a":{"addr":{"kind":"ssh_file","name":"b"},"provider":"ssh","attrs":{}}}}\n';
    t.ws.write('.stratum/state.json', wrong);
    const plan = await t.ws.run(['plan']);
    expectExit(plan, 1);
    expect(plan.stderr).toContain('entry `ssh_file.a` has addr `ssh_file.b`');
    expect(t.ws.read('.stratum/state.json')).toBe(wrong);
  });

  it('a second apply is refused while a live process holds the lock', async () => {
    t.ws.write('stratum.strat', FILE);
    // This test process is alive for sure: its lock is not stale.
    const lock = `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'stratum apply' })}\n`;
    t.ws.write('.stratum/state.json.lock', lock);
    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 1);
    expect(t.ws.normalise(apply.stderr)).toBe(
      [
        `Error: state is locked by pid ${process.pid} on ${hostname()} since 2026-01-01T00:00:00.000Z (stratum apply) [StateLocked]`,
        'hint: wait for that run to finish; if it is gone (e.g. the machine crashed), remove <TMP>/work/.stratum/state.json.lock and retry',
        '',
      ].join('\n'),
    );
    expect(t.ws.read('.stratum/state.json.lock')).toBe(lock);
    expect(existsSync(t.ws.hostPath('a'))).toBe(false);
    expect(t.ws.exists('.stratum/state.json')).toBe(false);
    // A plan takes no lock.
    expectExit(await t.ws.run(['plan']), 0);
  });

  it('a lock left by a dead process is taken over with a warning', async () => {
    t.ws.write('stratum.strat', FILE);
    const dead = spawnSync('true').pid;
    t.ws.write(
      '.stratum/state.json.lock',
      `${JSON.stringify({ pid: dead, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z' })}\n`,
    );
    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 0);
    expect(apply.stderr).toContain(
      `[state] took over a stale lock ${t.ws.dir}/.stratum/state.json.lock left by pid ${dead}`,
    );
    expect(readFileSync(t.ws.hostPath('a'), 'utf8')).toBe('a\n');
    expect(t.ws.exists('.stratum/state.json.lock')).toBe(false);
  });
});

describe('host errors', { timeout: 60_000 }, () => {
  it('an unreachable host is a clear error without a stack trace', async () => {
    const port = await freePort();
    t.ws.write('stratum.strat', FILE.replace('tuning = false\n', `tuning = false\n  port   = ${port}\n`));
    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 1);
    const status = await t.ws.run(['status']);
    expect(apply.stderr).not.toMatch(STACK_LINE);
    expect(status.stderr).not.toMatch(STACK_LINE);
    const normalised = (text: string) => text.replaceAll(String(port), '<DEADPORT>');
    expect(normalised(t.ws.normalise(apply.stderr))).toContain(
      'Error: apply failed at ssh_file.a: ssh: cannot reach root@127.0.0.1:<DEADPORT>: connection refused',
    );
    expect(apply.stderr).toMatch(/^hint: /m);
    expect(apply.stderr).toContain('No step was applied; .stratum/state.json is unchanged.');
    expect(t.ws.exists('.stratum/state.json')).toBe(false);
    expect(normalised(status.stderr)).toContain(
      '[status] root@127.0.0.1: failed: ssh: cannot reach root@127.0.0.1:<DEADPORT>',
    );
    expect(existsSync(t.ws.hostPath('a'))).toBe(false);

    // With something in state, a refresh cannot read it: unreadable, not a crash.
    t.ws.write(
      '.stratum/state.json',
      JSON.stringify({
        version: 1,
        resources: {
          'ssh_file.a': {
            addr: { kind: 'ssh_file', name: 'a' },
            provider: 'ssh',
            attrs: { host: 'root@127.0.0.1', path: t.ws.hostPath('a'), mode: '0644', sha256: 'x'.repeat(64) },
          },
        },
      }),
    );
    const refresh = await t.ws.run(['plan', '--refresh']);
    expect(refresh.stderr).not.toMatch(STACK_LINE);
    expect(normalised(`${refresh.stdout}${refresh.stderr}`)).toMatch(
      /cannot reach root@127\.0\.0\.1:<DEADPORT>/,
    );
  });

  it('an apply that fails half-way keeps the completed steps; the next apply does the rest', async () => {
    const config = (command: string) => `${hostBlock('box')}
resource "ssh_file" "first" {
  host    = host.box.addr
  path    = "@HOST@/first"
  content = "1\\n"
}

resource "ssh_exec" "migrate" {
  host    = host.box.addr
  command = "${command}"
}

resource "ssh_file" "last" {
  host    = host.box.addr
  path    = "@HOST@/last"
  content = "3\\n"
}
`;
    t.ws.write('stratum.strat', config('echo migrating >&2; exit 3'));
    const failed = await t.ws.run(['apply', '-y']);
    expectExit(failed, 1);
    expectGolden('apply-fails-half-way', t.ws, failed);
    expect(failed.stderr).not.toMatch(STACK_LINE);
    expect(readFileSync(t.ws.hostPath('first'), 'utf8')).toBe('1\n');
    expect(existsSync(t.ws.hostPath('last'))).toBe(false);
    expect(Object.keys(t.ws.readJson<{ resources: object }>('.stratum/state.json').resources)).toEqual([
      'ssh_file.first',
    ]);
    expect(t.ws.exists('.stratum/state.json.lock')).toBe(false);

    t.ws.write('stratum.strat', config('echo migrated > @HOST@/migrated'));
    const rest = await t.ws.run(['apply', '-y']);
    expectExit(rest, 0);
    expectGolden('apply-does-the-rest', t.ws, rest);
    expect(readFileSync(t.ws.hostPath('migrated'), 'utf8')).toBe('migrated\n');
    expect(readFileSync(t.ws.hostPath('last'), 'utf8')).toBe('3\n');
    expect(Object.keys(t.ws.readJson<{ resources: object }>('.stratum/state.json').resources)).toEqual([
      'ssh_exec.migrate',
      'ssh_file.first',
      'ssh_file.last',
    ]);
  });
});
