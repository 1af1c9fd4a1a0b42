// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectExit, useWorkspacePerTest, type Workspace } from './harness';

/**
 * A fleet from one group: N host blocks, each an ssh config alias of the
 * loopback sshd (one machine, N addrs), and resources with `for_each` over
 * the group. Adding a host plans only its instances; removing one plans
 * deletes of only its instances, behind the destruction guard.
 */

const t = useWorkspacePerTest();

/** A host block per name (addr `fleet-NAME`, an alias from {@link addAliases}) and the group `web` of them all. */
function hostsAndGroup(names: readonly string[]): string {
  const hosts = names
    .map((name) => `host "${name}" {\n  addr   = "fleet-${name}"\n  tuning = false\n}\n`)
    .join('\n');
  return `${hosts}
group "web" {
  hosts = [${names.map((n) => `host.${n}`).join(', ')}]
}
`;
}

function fleetConfig(names: readonly string[]): string {
  return `variable "greeting" {
  type        = "string"
  description = "the first word of every motd"
}

${hostsAndGroup(names)}
resource "ssh_file" "motd" {
  for_each = group.web
  host     = each.value
  path     = "@HOST@/motd-\${each.key}"
  content  = "\${var.greeting} from \${each.key} (\${each.value})\\n"
}
`;
}

/** One ssh config alias per host name, all leading to the loopback sshd. */
function addAliases(ws: Workspace, names: readonly string[]): void {
  const config = join(ws.home, '.ssh', 'config');
  const common = readFileSync(config, 'utf8')
    .split('\n')
    .filter((line) => /^\s+(User|IdentityFile|UserKnownHostsFile) /.test(line))
    .slice(0, 3);
  const blocks = names.map((n) =>
    [`Host fleet-${n}`, '  HostName 127.0.0.1', `  Port ${ws.sshd.port}`, ...common].join('\n'),
  );
  // Before the file's own `Host` entries would be cleaner; after works too, since none of them matches these names.
  appendFileSync(config, `\n${blocks.join('\n\n')}\n`);
}

describe('a fleet from one group', { timeout: 240_000 }, () => {
  it('applies to every host, adds only a new host, and deletes only a removed one', async () => {
    const { ws } = t;
    addAliases(ws, ['web1', 'web2', 'web3', 'web4']);
    ws.write('stratum.strat', fleetConfig(['web1', 'web2', 'web3']));
    const vars = ['--var', 'greeting=hello'];

    // validate: the required variable is named with its position.
    const unset = await ws.run(['validate']);
    expectExit(unset, 1);
    expect(unset.stderr).toContain('stratum.strat:1:10: variable `greeting` is required but has no value');
    expect(unset.stderr).toContain('[UnsetVariable]');

    const valid = await ws.run(['validate', ...vars]);
    expectExit(valid, 0);
    expect(valid.stdout).toContain('valid: 3 resources, 3 hosts');

    const graph = await ws.run(['graph', ...vars]);
    expectExit(graph, 0);
    expect(graph.stdout).toContain('"ssh_file.motd[\\"web2\\"]";');

    const plan = await ws.run(['plan', ...vars]);
    expectExit(plan, 0);
    for (const n of ['web1', 'web2', 'web3']) expect(plan.stdout).toContain(`ssh_file.motd["${n}"]`);

    const apply = await ws.run(['apply', '-y', ...vars]);
    expectExit(apply, 0);
    for (const n of ['web1', 'web2', 'web3']) {
      expect(readFileSync(ws.hostPath(`motd-${n}`), 'utf8')).toBe(`hello from ${n} (fleet-${n})\n`);
    }
    const state = ws.readJson<{ resources: Record<string, { addr: { kind: string; name: string } }> }>(
      '.stratum/state.json',
    );
    expect(Object.keys(state.resources)).toEqual([
      'ssh_file.motd["web1"]',
      'ssh_file.motd["web2"]',
      'ssh_file.motd["web3"]',
    ]);
    expect(state.resources['ssh_file.motd["web2"]']?.addr).toEqual({
      kind: 'ssh_file',
      name: 'motd["web2"]',
    });

    const show = await ws.run(['state', 'show', 'ssh_file.motd["web2"]']);
    expectExit(show, 0);
    expect(show.stdout).toContain('fleet-web2');

    // The same config again: nothing to do (the keys are stable across runs).
    const again = await ws.run(['plan', '--detailed-exitcode', ...vars]);
    expectExit(again, 0);

    // A fourth host joins the group: one create, nothing else.
    ws.write('stratum.strat', fleetConfig(['web1', 'web2', 'web3', 'web4']));
    const grow = await ws.run(['plan', '--json', ...vars]);
    expectExit(grow, 0);
    const grown = JSON.parse(grow.stdout) as {
      steps: { address?: string; addr?: unknown; action: string }[];
    };
    const changes = JSON.stringify(grown).match(/"action":"(create|update|delete)"/g) ?? [];
    expect(changes).toEqual(['"action":"create"']);
    expect(grow.stdout).toContain('ssh_file.motd[\\"web4\\"]');
    expectExit(await ws.run(['apply', '-y', ...vars]), 0);
    expect(readFileSync(ws.hostPath('motd-web4'), 'utf8')).toBe('hello from web4 (fleet-web4)\n');

    // web1 leaves: the guard refuses, naming only web1's instance; --allow-destroy deletes only it.
    ws.write('stratum.strat', fleetConfig(['web2', 'web3', 'web4']));
    const refused = await ws.run(['apply', '-y', ...vars]);
    expectExit(refused, 1);
    expect(refused.stderr).toContain('plan would delete 1 resource not in config');
    expect(refused.stderr).toContain('- ssh_file.motd["web1"]');
    expect(existsSync(ws.hostPath('motd-web1'))).toBe(true);

    const shrink = await ws.run(['apply', '-y', '--allow-destroy', ...vars]);
    expectExit(shrink, 0);
    expect(existsSync(ws.hostPath('motd-web1'))).toBe(false);
    for (const n of ['web2', 'web3', 'web4']) expect(existsSync(ws.hostPath(`motd-${n}`))).toBe(true);
    const after = ws.readJson<{ resources: Record<string, unknown> }>('.stratum/state.json');
    expect(Object.keys(after.resources)).toEqual([
      'ssh_file.motd["web2"]',
      'ssh_file.motd["web3"]',
      'ssh_file.motd["web4"]',
    ]);
  });

  it('applies to more hosts than a connection has channels when they are aliases of one machine', async () => {
    // Ten host blocks, one ssh connection (same user, address and port), 8 channels on it.
    // Each host's shell used to hold a channel to the end of the apply while its
    // host waited for one more (the files' write): from the 8th host on, nothing moved.
    const { ws } = t;
    const names = Array.from({ length: 10 }, (_, i) => `web${i + 1}`);
    addAliases(ws, names);
    ws.write(
      'stratum.strat',
      `${hostsAndGroup(names)}
resource "system_file" "a" {
  for_each = group.web
  host     = each.value
  path     = "@HOST@/a-\${each.key}"
  content  = "a \${each.key}\\n"
}

resource "system_file" "b" {
  for_each = group.web
  host     = each.value
  path     = "@HOST@/b-\${each.key}"
  content  = "b\\n"
  mode     = "0600"
}

resource "ssh_exec" "c" {
  for_each = group.web
  host     = each.value
  command  = "echo \${each.key} >> @HOST@/ran"
}
`,
    );
    const apply = await ws.run(['apply', '-y']);
    expectExit(apply, 0);
    for (const n of names) expect(readFileSync(ws.hostPath(`a-${n}`), 'utf8')).toBe(`a ${n}\n`);
    expect(readFileSync(ws.hostPath('ran'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(
      [...names].sort(),
    );
    const state = ws.readJson<{ resources: Record<string, unknown> }>('.stratum/state.json');
    expect(Object.keys(state.resources)).toHaveLength(30);
  });

  it('takes variables from --var-file and the environment, --var winning', async () => {
    const { ws } = t;
    addAliases(ws, ['web1']);
    ws.write('stratum.strat', fleetConfig(['web1']));
    ws.write('prod.stratvars', 'greeting = "from-file"\n');
    const fromFile = await ws.run(['apply', '-y', '--var-file', 'prod.stratvars'], {
      env: { STRATUM_VAR_greeting: 'from-env' },
    });
    expectExit(fromFile, 0);
    expect(readFileSync(ws.hostPath('motd-web1'), 'utf8')).toBe('from-file from web1 (fleet-web1)\n');

    const fromEnv = await ws.run(['apply', '-y'], { env: { STRATUM_VAR_greeting: 'from-env' } });
    expectExit(fromEnv, 0);
    expect(readFileSync(ws.hostPath('motd-web1'), 'utf8')).toBe('from-env from web1 (fleet-web1)\n');

    const fromCli = await ws.run(['apply', '-y', '--var-file', 'prod.stratvars', '--var', 'greeting=cli']);
    expectExit(fromCli, 0);
    expect(readFileSync(ws.hostPath('motd-web1'), 'utf8')).toBe('cli from web1 (fleet-web1)\n');

    const undeclared = await ws.run(['plan', '--var', 'greting=x', '--var', 'greeting=y']);
    expectExit(undeclared, 1);
    expect(undeclared.stderr).toContain('--var greting: no `variable` block declares `greting`');
    expect(undeclared.stderr).toContain('[UndeclaredVariable]');

    const noValue = await ws.run(['plan', '--var']);
    expectExit(noValue, 1);
    expect(noValue.stderr).toContain('--var needs name=value');
  });

  it('runs examples/fleet as its README says', async () => {
    const { ws } = t;
    const example = resolve(import.meta.dirname, '../../../../examples/fleet');
    addAliases(ws, ['web1', 'web2', 'web3']);
    ws.write('stratum.strat', readFileSync(join(example, 'stratum.strat'), 'utf8'));
    ws.write('prod.stratvars', readFileSync(join(example, 'prod.stratvars'), 'utf8'));
    const site = ['--var', `site_dir=${ws.hostDir}`];

    const validate = await ws.run(['validate', ...site]);
    expectExit(validate, 1);
    expect(validate.stderr).toContain('stratum.strat:3:10: variable `greeting` is required but has no value');

    const plan = await ws.run(['plan', '--var-file', 'prod.stratvars', ...site]);
    expectExit(plan, 0);
    expect(plan.stdout).toMatch(/5 create, 0 update, 0 delete/);

    expectExit(await ws.run(['apply', '--var-file', 'prod.stratvars', '-y', ...site]), 0);
    for (const n of ['web1', 'web2', 'web3']) {
      expect(readFileSync(ws.hostPath(`${n}/index.html`), 'utf8')).toBe(
        `<h1>Hello from the fleet</h1>\n<p>served by ${n} (fleet-${n})</p>\n`,
      );
    }
    expect(readFileSync(ws.hostPath('vhosts/b.example.conf'), 'utf8')).toBe(
      'listen 8081\nserver_name b.example\n',
    );
    const show = await ws.run(['state', 'show', 'system_file.index["web2"]']);
    expectExit(show, 0);
    expect(show.stdout).toContain('web2/index.html');
  });

  it('variables and groups of a namespace manifest are visible to every namespace', async () => {
    const { ws } = t;
    addAliases(ws, ['web1', 'web2']);
    const hosts = ['web1', 'web2']
      .map((n) => `host "${n}" {\n  addr   = "fleet-${n}"\n  tuning = false\n}\n`)
      .join('\n');
    ws.write(
      'stratum.strat',
      `variable "site" {\n  default = "@HOST@"\n}\n\n${hosts}\ngroup "web" {\n  hosts = [host.web1, host.web2]\n}\n\n` +
        'namespace "a" {\n  configs = ["a.strat"]\n}\n\nnamespace "b" {\n  configs = ["b.strat"]\n}\n',
    );
    const body = (ns: string, extra: string) =>
      `${extra}resource "ssh_file" "${ns}" {\n  for_each = group.web\n  host     = each.value\n  path     = "\${var.site}/${ns}-\${each.key}"\n  content  = "${ns}\\n"\n}\n`;
    // Namespace b declares a variable of its own; --var for it must not trip namespace a's load.
    ws.write('a.strat', body('a', ''));
    ws.write('b.strat', body('b', 'variable "only_b" {\n  default = "x"\n}\n\n'));
    expectExit(await ws.run(['apply', '-y', '-n', 'a']), 0);
    expectExit(await ws.run(['apply', '-y', '-n', 'b', '--var', 'only_b=y']), 0);
    for (const f of ['a-web1', 'a-web2', 'b-web1', 'b-web2']) expect(existsSync(ws.hostPath(f))).toBe(true);
    const state = ws.readJson<{ resources: Record<string, unknown> }>('.stratum/b.json');
    expect(Object.keys(state.resources)).toEqual(['ssh_file.b["web1"]', 'ssh_file.b["web2"]']);
    const refused = await ws.run(['plan', '-n', 'a', '--var', 'only_b=y']);
    expectExit(refused, 1);
    expect(refused.stderr).toContain('--var only_b: no `variable` block declares `only_b`');
  });
});
