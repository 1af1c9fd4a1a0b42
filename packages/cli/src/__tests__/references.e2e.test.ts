// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExit, hostBlock, useWorkspacePerTest } from './harness';
import { expectMatchesSchema } from './json-schemas';

/**
 * References between resources through the real binary, on the loopback
 * sshd: a command reads a file resource's path and content, declared after
 * it, with no `depends_on`; the reference orders the apply, `graph` shows the
 * edge, and changing the producer's attribute plans an update of the reader.
 * A secret read through a reference stays a secret.
 */

const t = useWorkspacePerTest();
const TOKEN = 'tok-plaintext-3b7e0c41';
const env = { TOKEN };

// The reader runs only if the file is there with the content it read: the reference must order it.
const config = (listen: string) => `${hostBlock('box')}
resource "ssh_exec" "copy" {
  host    = host.box.addr
  command = "test \\"$(cat \${ssh_file.conf.path})\\" = \\"\${ssh_file.conf.content}\\" && cp \${ssh_file.conf.path} @HOST@/copy"
}

resource "ssh_file" "conf" {
  host    = host.box.addr
  path    = "@HOST@/app.conf"
  content = "listen = ${listen}"
}
`;

describe('references between resources', { timeout: 90_000 }, () => {
  it('order the apply, show in graph, and turn a producer change into an update of the reader', async () => {
    t.ws.write('stratum.strat', config('8080'));
    // The reader is declared first and names no depends_on; the reference orders it after the file.
    const graph = await t.ws.run(['graph'], { env });
    expectExit(graph, 0);
    expect(graph.stdout).toContain('"ssh_exec.copy" -> "ssh_file.conf" [style = dashed];');
    const graphJson = JSON.parse((await t.ws.run(['graph', '--json'], { env })).stdout);
    expectMatchesSchema('graph', graphJson);
    expect(graphJson.edges).toContainEqual({ from: 'ssh_exec.copy', to: 'ssh_file.conf', via: 'reference' });

    const apply = await t.ws.run(['apply', '-y'], { env });
    expectExit(apply, 0);
    const order = apply.stdout.split('\n').filter((l) => /^\s*\+ /.test(l));
    expect(order.map((l) => l.trim().split(/\s+/)[1])).toEqual(['ssh_file.conf', 'ssh_exec.copy']);
    expect(readFileSync(join(t.ws.hostDir, 'copy'), 'utf8')).toBe('listen = 8080');

    const clean = await t.ws.run(['plan', '--detailed-exitcode'], { env });
    expectExit(clean, 0);

    // The producer's attribute changes: both the file and its reader are updated.
    t.ws.write('stratum.strat', config('9090'));
    const plan = await t.ws.run(['plan'], { env });
    expectExit(plan, 0);
    expect(plan.stdout).toContain('~ ssh_file.conf');
    expect(plan.stdout).toContain('~ ssh_exec.copy');
    expect(plan.stdout).toContain('listen = 9090');
    expectExit(await t.ws.run(['apply', '-y'], { env }), 0);
    expect(readFileSync(join(t.ws.hostDir, 'copy'), 'utf8')).toBe('listen = 9090');
  });

  it('keeps a secret read through a reference out of output and state, and under its kind rules', async () => {
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}
secret "token" { from_env = "TOKEN" }

resource "ssh_file" "token" {
  host    = host.box.addr
  path    = "@HOST@/token"
  content = secret.token.value
  mode    = "0600"
}

resource "ssh_file" "again" {
  host    = host.box.addr
  path    = "@HOST@/token-again"
  content = ssh_file.token.content
  mode    = "0600"
}
`,
    );
    const apply = await t.ws.run(['apply', '-y'], { env });
    expectExit(apply, 0);
    expect(apply.stdout + apply.stderr).not.toContain(TOKEN);
    expect(readFileSync(join(t.ws.hostDir, 'token-again'), 'utf8')).toBe(TOKEN);
    expect(t.ws.read('.stratum/state.json')).not.toContain(TOKEN);
    const json = await t.ws.run(['plan', '--json'], { env });
    expectExit(json, 0);
    expect(json.stdout).not.toContain(TOKEN);

    // The secret keeps its kind rules through the reference: a path names the file, in the clear.
    t.ws.write(
      'stratum.strat',
      `${t.ws.read('stratum.strat')}
resource "ssh_file" "named" {
  host    = host.box.addr
  path    = "@HOST@/\${ssh_file.token.content}"
  content = "x"
}
`,
    );
    const refused = await t.ws.run(['validate'], { env });
    expectExit(refused, 1);
    // Line 24 of the file; the column depends on the expanded @HOST@ path before the reference.
    expect(refused.stderr).toMatch(
      /stratum\.strat:24:\d+: ssh_file\.named: secret reference not allowed in `ssh_file\.path`/,
    );
    expect(refused.stdout + refused.stderr).not.toContain(TOKEN);
  });

  it('names the reference and where it is when it cannot be resolved', async () => {
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}
resource "ssh_exec" "x" {
  host    = host.box.addr
  command = "echo \${ssh_file.nope.path}"
}
`,
    );
    const result = await t.ws.run(['validate']);
    expectExit(result, 1);
    expect(result.stderr).toContain(
      'stratum.strat:8:21: unknown resource `ssh_file.nope` in reference `ssh_file.nope.path`',
    );
    expect(result.stderr).toContain('[UnknownResource]');
  });
});
