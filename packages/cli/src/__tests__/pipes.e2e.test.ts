import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectExit, hostBlock, STACK_LINE, useWorkspacePerTest } from './harness';

/**
 * stdout into a pipe whose reader goes away early (`stratum plan | head -1`):
 * stratum stops quietly, as Unix tools do — exit 141 (128 + SIGPIPE), no stack
 * trace, no error text — and an apply stops starting steps and releases the
 * state lock on its way out. And pipes whose reader lags: stratum exits as
 * soon as its command is done (bin.ts), but only once both pipes have taken
 * all it wrote.
 */

const t = useWorkspacePerTest();

/**
 * A config whose plan, plan --json and graph are each more than a pipe holds
 * (64 KiB), so stratum is still writing when the reader goes away.
 */
function bigConfig(count = 5000): string {
  const dirs = Array.from(
    { length: count },
    (_, i) => `resource "system_dir" "d${i}" {\n  host = host.box.addr\n  path = "@HOST@/d${i}"\n}\n`,
  );
  return `${hostBlock('box')}\n${dirs.join('\n')}`;
}

describe('a closed stdout', { timeout: 60_000 }, () => {
  it('graph | head -1: exit 141, nothing on stderr', async () => {
    t.ws.write('stratum.strat', bigConfig());
    const graph = await t.ws.runIntoClosedPipe(['graph']);
    expectExit(graph, 141);
    expect(graph.stdout).toBe('digraph stratum {\n');
    expect(graph.stderr).toBe('');
  });

  it('plan | head -1 and plan --json | head -c 100: exit 141, nothing on stderr', async () => {
    t.ws.write('stratum.strat', bigConfig());
    const plan = await t.ws.runIntoClosedPipe(['plan']);
    expectExit(plan, 141);
    expect(plan.stdout).toBe('stratum plan\n');
    expect(plan.stderr).toBe('');

    const json = await t.ws.runIntoClosedPipe(['plan', '--json'], { closeAfter: 100 });
    expectExit(json, 141);
    expect(json.stdout).toMatch(/^\{\n {2}"format_version": 1,/);
    expect(json.stdout).toHaveLength(100);
    expect(json.stderr).toBe('');
    expect(t.ws.exists('.stratum')).toBe(false);
  });

  it('apply -y | head -1: stops starting steps, releases the lock, exit 141 with no error', async () => {
    t.ws.write('stratum.strat', bigConfig());
    const apply = await t.ws.runIntoClosedPipe(['apply', '-y']);
    expectExit(apply, 141);
    expect(apply.stdout).toBe('+ system_dir.d0\n');
    expect(apply.stderr).not.toMatch(/error/i);
    expect(apply.stderr).not.toMatch(STACK_LINE);
    expect(t.ws.exists('.stratum/state.json.lock')).toBe(false);
    // The pipe closed while the plan was still being written: at most the first steps ran.
    const created = existsSync(t.ws.hostDir) ? readdirSync(t.ws.hostDir).length : 0;
    expect(created).toBeLessThan(100);
  });

  it('apply -y --json | head -1: the step after the close never starts', async () => {
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}
resource "ssh_exec" "slow" {
  host    = host.box.addr
  command = "sleep 1"
}

resource "ssh_file" "after" {
  host       = host.box.addr
  path       = "@HOST@/after"
  content    = "too late\\n"
  depends_on = ["ssh_exec.slow"]
}
`,
    );
    const apply = await t.ws.runIntoClosedPipe(['apply', '-y', '--json']);
    expectExit(apply, 141);
    expect(JSON.parse(apply.stdout)).toEqual({ type: 'stream', format_version: 1 });
    expect(apply.stderr).not.toMatch(/error/i);
    expect(apply.stderr).not.toMatch(STACK_LINE);
    expect(existsSync(t.ws.hostPath('after'))).toBe(false);
    expect(t.ws.exists('.stratum/state.json.lock')).toBe(false);
  });
});

describe('a reader that lags', { timeout: 60_000 }, () => {
  // Node holds a socket's reads at 64 KiB and the pipe another 64 KiB: more than both, so writes wait.
  const PIPES_HOLD = 128 * 1024;

  it('plan into a pipe read late: every line arrives, then the exit code', async () => {
    t.ws.write('stratum.strat', bigConfig(8000));
    const plan = await t.ws.run(['plan'], { readAfterMs: 500 });
    expectExit(plan, 0);
    expect(plan.stdout.length).toBeGreaterThan(PIPES_HOLD);
    expect(plan.stdout.startsWith('stratum plan\n')).toBe(true);
    expect(plan.stdout).toContain('+ system_dir.d7999\n');
    expect(plan.stdout.endsWith('8000 create, 0 update, 0 delete, 0 no-op\n')).toBe(true);
  });

  it('validate into a stderr read late: every error arrives, then exit 1', async () => {
    const bad = Array.from(
      { length: 3000 },
      (_, i) =>
        `resource "system_dir" "d${i}" {\n  host = host.box.addr\n  path = "@HOST@/d${i}"\n  bogus${i} = 1\n}\n`,
    );
    t.ws.write('stratum.strat', `${hostBlock('box')}\n${bad.join('\n')}`);
    const validate = await t.ws.run(['validate'], { readAfterMs: 500 });
    expectExit(validate, 1);
    expect(validate.stderr.length).toBeGreaterThan(PIPES_HOLD);
    expect(validate.stderr.match(/unknown attribute `bogus\d+`/g)).toHaveLength(3000);
    expect(validate.stderr).toMatch(/system_dir\.d2999: unknown attribute `bogus2999`.*\nhint: .*\n$/);
  });
});
