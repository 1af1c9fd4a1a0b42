import { describe, expect, it } from 'vitest';
import { expectExit, hostBlock, useWorkspacePerTest } from './harness';
import { expectMatchesSchema } from './json-schemas';

/** `stratum state history`, through the real binary against the loopback sshd. */

const t = useWorkspacePerTest();
const TOKEN = 'tok-history-plaintext-81b2';
const env = { TOKEN };

const config = (second: string) => `${hostBlock('box')}
secret "token" { from_env = "TOKEN" }

resource "ssh_file" "a" {
  host    = host.box.addr
  path    = "@HOST@/a"
  content = secret.token.value
}

resource "ssh_file" "b" {
  host    = host.box.addr
  path    = "${second}"
  content = "b"
}
`;

describe('state history', { timeout: 90_000 }, () => {
  it('records an apply that went well and one that failed mid-way, with which steps landed', async () => {
    t.ws.write('stratum.strat', config('@HOST@/b'));
    expectExit(await t.ws.run(['apply', '-y'], { env }), 0);
    // b's path now lies under a regular file: its step fails after a's update landed.
    t.ws.write(
      'stratum.strat',
      config('@HOST@/a/b').replace('content = secret.token.value', 'content = "a2"'),
    );
    expectExit(await t.ws.run(['apply', '-y'], { env }), 1);

    const list = await t.ws.run(['state', 'history'], { env });
    expectExit(list, 0);
    const lines = list.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/ apply {2}failed {2}\(1 ok, 1 failed, 0 skipped\)$/);
    expect(lines[1]).toMatch(/ apply {2}ok {2}\(2 ok, 0 failed, 0 skipped\)$/);
    expect(lines[0]).toMatch(/ \S+@\S+ /);

    const json = JSON.parse((await t.ws.run(['state', 'history', '--json'], { env })).stdout);
    expectMatchesSchema('state-history', json);
    const failed = json.runs[0];
    expect(failed.configs[0].sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(failed.args).toEqual(expect.arrayContaining(['apply', '-y']));
    expect(failed.steps.map((s: { address: string; result: string }) => `${s.result} ${s.address}`)).toEqual([
      'ok ssh_file.a',
      'failed ssh_file.b',
    ]);

    const show = await t.ws.run(['state', 'history', failed.id], { env });
    expectExit(show, 0);
    expect(show.stdout).toMatch(/failed +\S+ +ssh_file\.b: /);
    const showJson = await t.ws.run(['state', 'history', failed.id, '--json'], { env });
    expectExit(showJson, 0);
    const run = JSON.parse(showJson.stdout);
    expectMatchesSchema('state-history-run', run);
    expect(run.run).toEqual(failed);
    expect(showJson.stdout).not.toContain(TOKEN);
    expect(t.ws.read('.stratum/state.json.history.jsonl')).not.toContain(TOKEN);
  });

  it('refuses an unknown run id, and says when nothing was recorded', async () => {
    t.ws.write('stratum.strat', config('@HOST@/b'));
    const none = await t.ws.run(['state', 'history'], { env });
    expectExit(none, 0);
    expect(none.stdout).toContain('No runs recorded for .stratum/state.json.');
    const unknown = await t.ws.run(['state', 'history', 'nope'], { env });
    expectExit(unknown, 1);
    expect(unknown.stderr).toContain('no run nope in the history of .stratum/state.json');
    expect(unknown.stderr).toContain('hint: `stratum state history` lists the recorded runs');
  });
});
