import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectExit, expectGolden, hostBlock, useWorkspacePerTest } from './harness';

/** `-c a -c b`: one document from several files, one state file for the host. */

const t = useWorkspacePerTest();

const HOSTS = `${hostBlock('primary')}
secret "motd" {
  from_env  = "MOTD"
  sensitive = false
}
`;

const APP = `resource "ssh_file" "motd" {
  host    = host.primary.addr
  path    = "@HOST@/motd"
  content = secret.motd.value
}

resource "system_file" "page" {
  host         = host.primary.addr
  path         = "@HOST@/site/index.html"
  content_file = "files/index.html"
}
`;

describe('multi-file configs', { timeout: 60_000 }, () => {
  it('hosts and secrets declared in one file are visible in another; files resolve beside themselves', async () => {
    t.ws.write('hosts.strat', HOSTS);
    t.ws.write('app/app.strat', APP);
    t.ws.write('app/files/index.html', '<h1>from app/files</h1>\n');
    const args = ['-c', 'hosts.strat', '-c', 'app/app.strat', '-s', '.stratum/host.json'];
    const env = { MOTD: 'hello from hosts.strat' };

    const plan = await t.ws.run(['plan', ...args], { env });
    expectExit(plan, 0);
    expectGolden('multi-file-plan', t.ws, plan);

    const apply = await t.ws.run(['apply', '-y', ...args], { env });
    expectExit(apply, 0);
    expect(apply.stdout).toContain('State saved to .stratum/host.json');
    expect(readFileSync(t.ws.hostPath('motd'), 'utf8')).toBe('hello from hosts.strat');
    expect(readFileSync(t.ws.hostPath('site/index.html'), 'utf8')).toBe('<h1>from app/files</h1>\n');
    expect(t.ws.exists('.stratum/state.json')).toBe(false);

    const again = await t.ws.run(['plan', '--detailed-exitcode', ...args], { env });
    expectExit(again, 0);

    // Forgetting a -c: the guard names the loaded configs and the state file.
    t.ws.write('other.strat', `${hostBlock('primary')}`);
    const forgot = await t.ws.run(['apply', '-y', '-c', 'other.strat', '-s', '.stratum/host.json'], { env });
    expectExit(forgot, 1);
    expectGolden('multi-file-forgotten-config', t.ws, forgot);
  });

  it('a host declared in two files is an error naming both', async () => {
    t.ws.write('hosts.strat', HOSTS);
    t.ws.write('app/app.strat', `${hostBlock('primary')}\n${APP}`);
    const plan = await t.ws.run(['plan', '-c', 'hosts.strat', '-c', 'app/app.strat'], { env: { MOTD: 'x' } });
    expectExit(plan, 1);
    expectGolden('multi-file-duplicate-host', t.ws, plan);
    expect(plan.stderr).toContain('hosts.strat');
    expect(plan.stderr).toContain('app/app.strat');
  });

  it('a resource declared in two files is an error naming both', async () => {
    t.ws.write('hosts.strat', HOSTS);
    t.ws.write('a.strat', APP);
    t.ws.write('b.strat', APP);
    t.ws.write('files/index.html', 'x\n');
    const plan = await t.ws.run(['plan', '-c', 'hosts.strat', '-c', 'a.strat', '-c', 'b.strat'], {
      env: { MOTD: 'x' },
    });
    expectExit(plan, 1);
    expectGolden('multi-file-duplicate-resource', t.ws, plan);
  });

  it('a secret declared in two files is an error naming both', async () => {
    t.ws.write('hosts.strat', HOSTS);
    t.ws.write('more.strat', 'secret "motd" {\n  from_env = "MOTD"\n}\n');
    const plan = await t.ws.run(['plan', '-c', 'hosts.strat', '-c', 'more.strat'], { env: { MOTD: 'x' } });
    expectExit(plan, 1);
    expectGolden('multi-file-duplicate-secret', t.ws, plan);
  });
});
