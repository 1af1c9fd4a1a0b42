import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExit, hostBlock, useWorkspacePerTest } from './harness';
import { expectMatchesSchema } from './json-schemas';

/** `plan -o PLANFILE` and `apply PLANFILE`, through the real binary against the loopback sshd. */

const t = useWorkspacePerTest();
const TOKEN = 'tok-plaintext-6f1c9d2e';
const env = { TOKEN };

const config = (motd: string) => `${hostBlock('box')}
secret "token" { from_env = "TOKEN" }

resource "ssh_file" "motd" {
  host    = host.box.addr
  path    = "@HOST@/motd"
  content = "${motd}"
}

resource "ssh_file" "token" {
  host    = host.box.addr
  path    = "@HOST@/token"
  content = secret.token.value
  mode    = "0600"
}
`;

describe('saved plans', { timeout: 60_000 }, () => {
  it('plan -o writes a 0600 file without secret plaintext; apply PLANFILE applies exactly it', async () => {
    t.ws.write('stratum.strat', config('hello\\n'));
    const plan = await t.ws.run(['plan', '-o', 'change.plan'], { env });
    expectExit(plan, 0);
    expect(plan.stderr).toContain('[plan] saved to change.plan');
    const file = t.ws.read('change.plan');
    expect(file).not.toContain(TOKEN);
    expect(statSync(join(t.ws.dir, 'change.plan')).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(file);
    expectMatchesSchema('saved-plan', doc);
    expect(doc.format).toBe('stratum-plan');
    expect(doc.steps.map((s: { address: string; action: string }) => `${s.action} ${s.address}`)).toEqual([
      'create ssh_file.motd',
      'create ssh_file.token',
    ]);
    expect(Object.keys(doc.secrets)).toEqual(['token']);

    const apply = await t.ws.run(['apply', 'change.plan'], { env });
    expectExit(apply, 0);
    expect(apply.stdout).toContain('State saved to .stratum/state.json');
    expect(readFileSync(join(t.ws.hostDir, 'motd'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(t.ws.hostDir, 'token'), 'utf8')).toBe(TOKEN);
    const state = JSON.parse(t.ws.read('.stratum/state.json'));
    expect(Object.keys(state.resources)).toEqual(['ssh_file.motd', 'ssh_file.token']);
    expect(t.ws.read('.stratum/state.json')).not.toContain(TOKEN);
  });

  it('is refused once another apply changed the state', async () => {
    t.ws.write('stratum.strat', config('hello\\n'));
    expectExit(await t.ws.run(['plan', '-o', 'change.plan'], { env }), 0);
    expectExit(await t.ws.run(['apply', '-y'], { env }), 0);
    const before = t.ws.read('.stratum/state.json');
    const stale = await t.ws.run(['apply', 'change.plan'], { env });
    expectExit(stale, 1);
    expect(stale.stderr).toMatch(
      /^Error: refusing to apply the saved plan: the state changed since it was made\n/,
    );
    expect(stale.stderr).toContain('hint: another run changed the state');
    expect(t.ws.read('.stratum/state.json')).toBe(before);
  });

  it('is refused when a config changed, or a secret, and for a bad or missing file', async () => {
    t.ws.write('stratum.strat', config('hello\\n'));
    expectExit(await t.ws.run(['plan', '-o', 'change.plan'], { env }), 0);

    const secret = await t.ws.run(['apply', 'change.plan'], { env: { TOKEN: 'another-secret-value' } });
    expectExit(secret, 1);
    expect(secret.stderr).toContain(
      'refusing to apply the saved plan: secret `token` changed since it was made',
    );
    expect(secret.stderr).not.toContain('another-secret-value');

    t.ws.write('stratum.strat', config('changed\\n'));
    const changed = await t.ws.run(['apply', 'change.plan'], { env });
    expectExit(changed, 1);
    expect(changed.stderr).toMatch(
      /^Error: refusing to apply the saved plan: the configs changed since it was made\n/,
    );
    expect(changed.stderr).toMatch(/stratum\.strat: changed since the plan was made/);
    expect(t.ws.exists('.stratum/state.json')).toBe(false);

    t.ws.write('junk.plan', '{"steps": []}');
    const junk = await t.ws.run(['apply', 'junk.plan'], { env });
    expectExit(junk, 1);
    expect(junk.stderr).toContain('plan file junk.plan is not a stratum plan file [PlanFileInvalid]');
    // Hand-edited: refused before anything is planned, naming the file and the field.
    const saved = JSON.parse(t.ws.read('change.plan'));
    saved.steps[1].action = 'replace';
    t.ws.write('edited.plan', JSON.stringify(saved));
    const edited = await t.ws.run(['apply', 'edited.plan'], { env });
    expectExit(edited, 1);
    expect(edited.stderr).toMatch(
      /^Error: plan file edited\.plan is not a valid stratum plan file: at `steps\.1\.action`: .*"create"\|"update"\|"delete"\|"noop" \[PlanFileInvalid\]\n/,
    );
    expect(edited.stderr).toContain('hint: pass a file written by `stratum plan -o PLANFILE`');
    delete saved.steps[1].action;
    saved.steps[1].kind = 'ssh_file';
    t.ws.write('foreign.plan', JSON.stringify(saved));
    expect((await t.ws.run(['apply', 'foreign.plan'], { env })).stderr).toMatch(
      /plan file foreign\.plan is not a valid stratum plan file: at `steps\.1(\.action)?`: /,
    );
    expect(t.ws.exists('.stratum/state.json')).toBe(false);
    t.ws.write('text.plan', 'not json');
    expect((await t.ws.run(['apply', 'text.plan'], { env })).stderr).toContain(
      'plan file text.plan is not JSON',
    );

    const missing = await t.ws.run(['apply', 'nope.plan'], { env });
    expectExit(missing, 1);
    expect(missing.stderr).toMatch(/^Error: cannot read plan file nope\.plan: /);

    const refresh = await t.ws.run(['apply', 'change.plan', '--refresh'], { env });
    expectExit(refresh, 1);
    expect(refresh.stderr).toContain('--refresh does not go with it');
  });

  it('a plan holding an unresolved-secret placeholder is not saved', async () => {
    t.ws.write('stratum.strat', config('hello\\n'));
    const result = await t.ws.run(['plan', '--allow-unresolved-secrets', '-o', 'change.plan']);
    expectExit(result, 1);
    expect(result.stderr).toContain(
      'refusing to save a plan holding the unresolved-secret placeholder for `token`',
    );
    expect(t.ws.exists('change.plan')).toBe(false);
  });
});
