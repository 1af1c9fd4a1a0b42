import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectExit, hostBlock, useWorkspacePerTest } from './harness';

/**
 * One pool per run: every command a run sends to a host — the refresh, the
 * steps, the post-apply self-check — goes over one ssh connection per host,
 * counted where sshd sees it (its log, LogLevel VERBOSE).
 */

const t = useWorkspacePerTest();

const CONFIG = `${hostBlock('box')}
resource "system_dir" "cache" {
  host = host.box.addr
  path = "@HOST@/cache"
}

resource "system_file" "conf" {
  host    = host.box.addr
  path    = "@HOST@/app.conf"
  content = "listen = 8080\\n"
}

resource "ssh_file" "motd" {
  host    = host.box.addr
  path    = "@HOST@/motd"
  content = "hi\\n"
}

resource "ssh_exec" "hello" {
  host    = host.box.addr
  command = "echo hello"
}
`;

/** What sshd logged while `run` ran: the accepted TCP connections and the logins on them. */
async function sshdSees(run: () => Promise<void>): Promise<{ connections: number; logins: number }> {
  const before = (await t.sshd.log()).length;
  await run();
  const logged = (await t.sshd.log()).slice(before);
  return {
    connections:
      logged.match(/^.*Connection from 127\.0\.0\.1 port \d+ on 127\.0\.0\.1 port \d+.*$/gm)?.length ?? 0,
    logins: logged.match(/^.*Accepted publickey for root from 127\.0\.0\.1.*$/gm)?.length ?? 0,
  };
}

describe('one ssh connection per host per run', { timeout: 60_000 }, () => {
  it('apply --refresh -y: refresh, repair steps and self-check share one connection', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const first = await sshdSees(async () => expectExit(await t.ws.run(['apply', '-y']), 0));
    expect(first).toEqual({ connections: 1, logins: 1 });

    // Drift by hand, so the refreshed run has steps to do as well as reads.
    writeFileSync(t.ws.hostPath('app.conf'), 'listen = 9999\n');
    rmSync(t.ws.hostPath('cache'), { recursive: true });
    let stdout = '';
    const repair = await sshdSees(async () => {
      const result = await t.ws.run(['apply', '--refresh', '-y']);
      expectExit(result, 0);
      stdout = result.stdout;
    });
    expect(stdout).toContain('+ system_dir.cache');
    expect(stdout).toContain('~ system_file.conf');
    // The self-check ran (ssh_exec can never be read back, hence the one unreadable).
    expect(stdout).toContain('post-apply drift: 1 unreadable');
    expect(readFileSync(t.ws.hostPath('app.conf'), 'utf8')).toBe('listen = 8080\n');
    expect(repair).toEqual({ connections: 1, logins: 1 });
    // Closed when the run ended.
    expect(await t.sshd.connectionCount()).toBe(0);
  });
});
