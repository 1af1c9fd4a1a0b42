import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { expectExit, useWorkspacePerTest } from './harness';

/** `stratum state unlock`: leftovers of dead runs go, a live holder's lock stays. */

const t = useWorkspacePerTest();

const STATE = '{\n  "version": 1,\n  "resources": {}\n}\n';
const lockOf = (pid: number, host = hostname()) =>
  `${JSON.stringify({ pid, host, startedAt: '2026-01-01T00:00:00.000Z', command: 'stratum apply' }, null, 2)}\n`;

/** The pid of a process that has already exited. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}

describe('state unlock', { timeout: 60_000 }, () => {
  it('removes a lock whose holder on this machine is gone', async () => {
    t.ws.write('.stratum/state.json', STATE);
    const pid = Number(deadPid());
    t.ws.write('.stratum/state.json.lock', lockOf(pid));
    const result = await t.ws.run(['state', 'unlock']);
    expectExit(result, 0);
    expect(result.stdout).toContain(
      `removed ${t.ws.dir}/.stratum/state.json.lock (left by pid ${pid} on ${hostname()}`,
    );
    expect(t.ws.exists('.stratum/state.json.lock')).toBe(false);
    const again = await t.ws.run(['state', 'unlock']);
    expect(again.stdout).toContain('no lock on');
  });

  it('refuses to break a lock whose holder is alive', async () => {
    t.ws.write('.stratum/state.json', STATE);
    t.ws.write('.stratum/state.json.lock', lockOf(process.pid));
    const result = await t.ws.run(['state', 'unlock']);
    expectExit(result, 1);
    expect(result.stderr).toContain(
      `refusing to unlock ${t.ws.dir}/.stratum/state.json.lock: its holder, pid ${process.pid} on ${hostname()} (stratum apply), is still running`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(t.ws.exists('.stratum/state.json.lock')).toBe(true);
  });

  it("needs --force for another machine's lock, and unlocks the namespace's _shared.json too", async () => {
    t.ws.write('stratum.strat', 'namespace "app" {\n  configs = ["app.strat"]\n}\n');
    t.ws.write('app.strat', '');
    t.ws.write('.stratum/app.json.lock', lockOf(4242, 'elsewhere.example'));
    t.ws.write('.stratum/_shared.json.lock', lockOf(Number(deadPid())));
    const refused = await t.ws.run(['-n', 'app', 'state', 'unlock']);
    expectExit(refused, 1);
    expect(refused.stderr).toContain('runs on another machine and cannot be checked from here');
    const forced = await t.ws.run(['-n', 'app', 'state', 'unlock', '--force']);
    expectExit(forced, 0);
    expect(t.ws.exists('.stratum/app.json.lock')).toBe(false);
    expect(t.ws.exists('.stratum/_shared.json.lock')).toBe(false);
  });

  it('explains that a PostgreSQL lock releases itself', async () => {
    const result = await t.ws.run(['state', 'unlock', '-s', 'postgres://nobody@127.0.0.1:1/none']);
    expectExit(result, 0);
    expect(result.stdout).toContain('nothing to unlock: a PostgreSQL state lock is a session lock');
  });
});
