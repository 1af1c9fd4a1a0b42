import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectExit, hostBlock, useWorkspacePerTest } from './harness';

/** `stratum import`, through the real binary against the loopback sshd. */

const t = useWorkspacePerTest();
const TOKEN = 'tok-import-plaintext-3c9e';
const env = { TOKEN };

const config = `${hostBlock('box')}
secret "token" { from_env = "TOKEN" }

resource "ssh_file" "x" {
  host    = host.box.addr
  path    = "@HOST@/x.conf"
  content = "made by hand\\n"
}

resource "ssh_file" "s" {
  host    = host.box.addr
  path    = "@HOST@/s.conf"
  content = secret.token.value
}
`;

const withExec = `${config}
resource "ssh_exec" "e" {
  host    = host.box.addr
  command = "true"
}
`;

describe('import', { timeout: 90_000 }, () => {
  it('adopts files made by hand: the next plan shows no change, a hand edit one update', async () => {
    t.ws.write('stratum.strat', config);
    writeFileSync(t.ws.hostPath('x.conf'), 'made by hand\n');
    writeFileSync(t.ws.hostPath('s.conf'), TOKEN);

    const imported = await t.ws.run(['import', 'ssh_file.x', 'ssh_file.s'], { env });
    expectExit(imported, 0);
    expect(imported.stdout).toContain('imported ssh_file.x');
    expect(imported.stdout).toContain('imported ssh_file.s');
    expect(t.ws.read('.stratum/state.json')).not.toContain(TOKEN);

    const clean = await t.ws.run(['plan', '--detailed-exitcode'], { env });
    expectExit(clean, 0);

    writeFileSync(t.ws.hostPath('x.conf'), 'edited by hand\n');
    expect(t.ws.read('.stratum/state.json')).toContain('ssh_file.x');
    expectExit(await t.ws.run(['state', 'rm', 'ssh_file.x'], { env }), 0);
    expectExit(await t.ws.run(['import', 'ssh_file.x'], { env }), 0);
    const edited = await t.ws.run(['plan', '--detailed-exitcode'], { env });
    expectExit(edited, 2);
    expect(edited.stdout).toContain('0 create, 1 update, 0 delete, 1 no-op');
    expect(edited.stdout).toContain('~ ssh_file.x');
  });

  it('refuses an address not in the config, one already in state, a file that is not there and a kind that cannot read', async () => {
    t.ws.write('stratum.strat', withExec);
    const typo = await t.ws.run(['import', 'ssh_file.xx'], { env });
    expectExit(typo, 1);
    expect(typo.stderr).toContain('ssh_file.xx is not in the config');
    expect(typo.stderr).toContain('did you mean ssh_file.x?');

    const absent = await t.ws.run(['import', 'ssh_file.x'], { env });
    expectExit(absent, 1);
    expect(absent.stderr).toContain(
      'cannot import ssh_file.x: it does not exist on its host; nothing was recorded',
    );
    expect(t.ws.exists('.stratum/state.json')).toBe(false);

    writeFileSync(t.ws.hostPath('x.conf'), 'made by hand\n');
    expectExit(await t.ws.run(['import', 'ssh_file.x'], { env }), 0);
    const again = await t.ws.run(['import', 'ssh_file.x'], { env });
    expectExit(again, 1);
    expect(again.stderr).toMatch(/ssh_file\.x is already in \S*\.stratum\/state\.json: nothing to import/);
    expect(again.stderr).toContain('`stratum state rm ssh_file.x` first');

    const unreadable = await t.ws.run(['import', 'ssh_exec.e'], { env });
    expectExit(unreadable, 1);
    expect(unreadable.stderr).toContain('cannot import ssh_exec.e: ');
    expect(unreadable.stderr).toContain('nothing was recorded');
  });
});
