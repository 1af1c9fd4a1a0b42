import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@stratum/testkit';
import { describe, expect, it } from 'vitest';
import {
  ALIAS,
  expectExit,
  expectGolden,
  hostBlock,
  type RunResult,
  STACK_LINE,
  useWorkspacePerTest,
} from './harness';

/**
 * A refresh or a status that cannot read a host must not exit 0: the plan is
 * still printed, then the run fails naming each host it could not read, once.
 * Two ways a host fails: nothing listens on its port, and its host key is not
 * the one known_hosts holds.
 */

const t = useWorkspacePerTest();

const FILES = (host: string) => `
resource "ssh_file" "a" {
  host    = host.${host}.addr
  path    = "@HOST@/a"
  content = "a\\n"
}

resource "ssh_file" "b" {
  host    = host.${host}.addr
  path    = "@HOST@/b"
  content = "b\\n"
}
`;

/** State as an apply of {@link FILES} would have left it on `addr`: the plan has no step. */
function writeState(addr: string): void {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const entry = (name: string) => ({
    addr: { kind: 'ssh_file', name },
    provider: 'ssh',
    attrs: { host: addr, path: t.ws.hostPath(name), mode: '0644', sha256: sha256(`${name}\n`) },
  });
  t.ws.write(
    '.stratum/state.json',
    `${JSON.stringify({ version: 1, resources: { 'ssh_file.a': entry('a'), 'ssh_file.b': entry('b') } })}\n`,
  );
}

/** A run made comparable with a golden file: the closed port spelled `<DEADPORT>`. */
function withDeadPort(port: number, result: RunResult): RunResult {
  const hide = (text: string) => text.replaceAll(String(port), '<DEADPORT>');
  return { ...result, stdout: hide(result.stdout), stderr: hide(result.stderr) };
}

describe('a host that cannot be read', { timeout: 60_000 }, () => {
  it('nothing listening on its port: plan --refresh (text, JSON, --detailed-exitcode), apply --refresh and status exit 1', async () => {
    const port = await freePort();
    t.ws.write('stratum.strat', hostBlock('box', 'root@127.0.0.1', `  port   = ${port}\n`) + FILES('box'));
    writeState('root@127.0.0.1');

    const plan = await t.ws.run(['plan', '--refresh']);
    expectExit(plan, 1);
    const detailed = await t.ws.run(['plan', '--refresh', '--detailed-exitcode']);
    expectExit(detailed, 1);
    const status = await t.ws.run(['status']);
    expectExit(status, 1);
    const repair = await t.ws.run(['apply', '--refresh', '-y']);
    expectExit(repair, 1);
    expectGolden(
      'unreachable-port-closed',
      t.ws,
      ...[plan, detailed, status, repair].map((r) => withDeadPort(port, r)),
    );
    for (const run of [plan, detailed, status, repair]) expect(run.stderr).not.toMatch(STACK_LINE);
    // The host is named once, however many of its resources could not be read.
    expect(plan.stderr.match(/^ {2}root@127\.0\.0\.1: /gm)).toHaveLength(1);
    expect(existsSync(t.ws.hostPath('a'))).toBe(false);
    expect(t.ws.exists('.stratum/state.json.lock')).toBe(false);

    const json = await t.ws.run(['plan', '--refresh', '--json']);
    expectExit(json, 1);
    const doc = JSON.parse(json.stdout);
    expect(doc.summary).toMatchObject({ unreadable: 2, unreachable: 2 });
    expect(doc.steps.map((s: { drift: { unreachable?: boolean } }) => s.drift.unreachable)).toEqual([
      true,
      true,
    ]);
    expect(json.stderr).toBe(plan.stderr);
  });

  it('a host key that is not the known one: plan --refresh and status exit 1', async () => {
    t.ws.write('stratum.strat', hostBlock('box') + FILES('box'));
    writeState('root@127.0.0.1');
    // known_hosts expects another key for the sshd: the client key's public half will do.
    const [type, key] = readFileSync(`${t.sshd.clientKeyPath}.pub`, 'utf8').trim().split(/\s+/);
    writeFileSync(join(t.ws.home, '.ssh', 'known_hosts'), `[127.0.0.1]:${t.sshd.port} ${type} ${key}\n`);

    const plan = await t.ws.run(['plan', '--refresh']);
    expectExit(plan, 1);
    const status = await t.ws.run(['status']);
    expectExit(status, 1);
    expectGolden('unreachable-host-key', t.ws, plan, status);
    expect(plan.stderr).toContain(`host key of [127.0.0.1]:${t.sshd.port} has changed`);
  });

  it('one host down of two: the other still prints, and only the failing one is named', async () => {
    const port = await freePort();
    t.ws.write(
      'stratum.strat',
      `${hostBlock('up', ALIAS)}${hostBlock('down', 'root@127.0.0.1', `  port   = ${port}\n`)}${FILES('down')}`,
    );
    writeState('root@127.0.0.1');
    const status = await t.ws.run(['status']);
    expectExit(status, 1);
    expect(status.stdout).toContain(`=== ${ALIAS} ===`);
    expect(status.stderr.trimEnd().split('\n').slice(-2)).toEqual([
      'Error: status could not read 1 of 2 hosts: root@127.0.0.1',
      'hint: the [status] lines above say why; check that ssh to each of them works, then re-run',
    ]);
  });
});

describe('plan --refresh --detailed-exitcode', { timeout: 60_000 }, () => {
  it('exits 2 for drift found by the refresh, though the plan has no step, and 0 once it is clean', async () => {
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}
resource "ssh_file" "motd" {
  host    = host.box.addr
  path    = "@HOST@/motd"
  content = "hi\\n"
}
`,
    );
    expectExit(await t.ws.run(['apply', '-y']), 0);
    expectExit(await t.ws.run(['plan', '--refresh', '--detailed-exitcode']), 0);
    writeFileSync(t.ws.hostPath('motd'), 'edited by hand\n');
    const drift = await t.ws.run(['plan', '--refresh', '--detailed-exitcode']);
    expectExit(drift, 2);
    expect(drift.stdout).toContain('0 create, 0 update, 0 delete, 1 no-op');
    expect(drift.stdout).toContain('drift: 1 differ');
    // Without --refresh nothing is read, so there is no drift to count.
    expectExit(await t.ws.run(['plan', '--detailed-exitcode']), 0);
  });
});
