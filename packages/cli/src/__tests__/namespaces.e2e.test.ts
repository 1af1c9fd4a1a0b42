import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectExit, expectGolden, hostBlock, useWorkspacePerTest } from './harness';

/**
 * Namespace mode: a manifest, `-n NAME`, per-namespace state plus
 * `_shared.json`, and the cross-namespace checks.
 */

const t = useWorkspacePerTest();

const MANIFEST = `${hostBlock('primary')}
namespace "infra" {
  configs = ["infra/base.strat"]
}

namespace "app" {
  configs = [
    "app/web.strat",
    "app/extra.strat",
  ]
}
`;

const INFRA = `resource "system_dir" "srv" {
  host = host.primary.addr
  path = "@HOST@/srv"
}
`;

const WEB = `resource "ssh_file" "web" {
  host    = host.primary.addr
  path    = "@HOST@/web.txt"
  content = "web\\n"
}
`;

const EXTRA = `resource "ssh_file" "extra" {
  host    = host.primary.addr
  path    = "@HOST@/extra.txt"
  content = "extra\\n"
}
`;

interface StateFile {
  version: number;
  resources: Record<string, { addr: { kind: string; name: string }; provider: string; attrs: unknown }>;
}

function writeProject(manifest = MANIFEST): void {
  t.ws.write('stratum.strat', manifest);
  t.ws.write('infra/base.strat', INFRA);
  t.ws.write('app/web.strat', WEB);
  t.ws.write('app/extra.strat', EXTRA);
}

describe('namespaces sharing a host', { timeout: 60_000 }, () => {
  it('each namespace applies on its own into .stratum/<ns>.json, with _shared.json beside', async () => {
    writeProject();
    const plan = await t.ws.run(['-n', 'infra', 'plan']);
    expectExit(plan, 0);
    const apply = await t.ws.run(['-n', 'infra', 'apply', '-y']);
    expectExit(apply, 0);
    expectGolden('namespace-infra', t.ws, plan, apply);

    expect(Object.keys(t.ws.readJson<StateFile>('.stratum/infra.json').resources)).toEqual([
      'system_dir.srv',
    ]);
    expect(t.ws.readJson<StateFile>('.stratum/_shared.json')).toEqual({ version: 1, resources: {} });
    expect(t.ws.exists('.stratum/state.json')).toBe(false);

    const app = await t.ws.run(['-n', 'app', 'apply', '-y']);
    expectExit(app, 0);
    expectGolden('namespace-app', t.ws, app);
    expect(Object.keys(t.ws.readJson<StateFile>('.stratum/app.json').resources)).toEqual([
      'ssh_file.extra',
      'ssh_file.web',
    ]);
    expect(Object.keys(t.ws.readJson<StateFile>('.stratum/infra.json').resources)).toEqual([
      'system_dir.srv',
    ]);
    expect(readFileSync(t.ws.hostPath('web.txt'), 'utf8')).toBe('web\n');
    expect(readFileSync(t.ws.hostPath('extra.txt'), 'utf8')).toBe('extra\n');

    // Neither namespace sees the other's resources as deletes.
    for (const ns of ['infra', 'app']) {
      const again = await t.ws.run(['-n', ns, 'plan', '--detailed-exitcode']);
      expectExit(again, 0);
      expect(again.stdout).toMatch(/^0 create, 0 update, 0 delete, \d+ no-op$/m);
    }
  });

  it('the namespace state = "..." and an explicit -s choose the state file', async () => {
    writeProject(
      MANIFEST.replace(
        'configs = ["infra/base.strat"]',
        'configs = ["infra/base.strat"]\n  state   = "states/infra-state.json"',
      ),
    );
    const apply = await t.ws.run(['-n', 'infra', 'apply', '-y']);
    expectExit(apply, 0);
    expect(apply.stdout).toContain('State saved to states/infra-state.json');
    expect(t.ws.exists('states/_shared.json')).toBe(true);

    const explicit = await t.ws.run(['-n', 'app', 'plan', '--json', '-s', 'elsewhere/app.json']);
    expectExit(explicit, 0);
    expect(JSON.parse(explicit.stdout)).toMatchObject({
      mode: 'namespace',
      namespace: 'app',
      state: `${t.ws.dir}/elsewhere/app.json`,
      configs: [`${t.ws.dir}/stratum.strat`, `${t.ws.dir}/app/web.strat`, `${t.ws.dir}/app/extra.strat`],
    });
  });

  it('--manifest points -n at a manifest elsewhere; its paths resolve beside it', async () => {
    t.ws.write(
      'deploy/manifest.strat',
      `${hostBlock('primary')}\nnamespace "web" {\n  configs = ["web.strat"]\n}\n`,
    );
    t.ws.write('deploy/web.strat', WEB);
    const apply = await t.ws.run(['--manifest', 'deploy/manifest.strat', '-n', 'web', 'apply', '-y']);
    expectExit(apply, 0);
    expect(apply.stdout).toContain('State saved to deploy/.stratum/web.json');
    expect(Object.keys(t.ws.readJson<StateFile>('deploy/.stratum/web.json').resources)).toEqual([
      'ssh_file.web',
    ]);
    expect(readFileSync(t.ws.hostPath('web.txt'), 'utf8')).toBe('web\n');
  });
});

describe('split state, read back from hand-written files', { timeout: 30_000 }, () => {
  // Plan only: this host keeps its tuning resources (swap, sshd drop-in), and
  // nothing here may apply them to this machine. The state files are written
  // by hand, as a user migrating from bundle mode would.
  const TUNED = MANIFEST.replace('  tuning = false\n', '');

  it('_stratum_* entries in _shared.json are no-ops for every namespace; each ns file is its own', async () => {
    writeProject(TUNED);
    const first = await t.ws.run(['-n', 'infra', 'plan', '--json']);
    expectExit(first, 0);
    const doc = JSON.parse(first.stdout) as {
      steps: { address: string; kind: string; name: string; provider: string; desired: unknown }[];
    };
    const implicit = doc.steps.filter((s) => s.name.startsWith('_stratum_'));
    expect(implicit.map((s) => s.address)).toEqual([
      'ssh_exec._stratum_swap_primary',
      'system_file._stratum_sshd_oom_primary',
      'ssh_exec._stratum_sshd_reload_primary',
    ]);
    const entries = (steps: typeof implicit) =>
      Object.fromEntries(
        steps.map((s) => [
          s.address,
          { addr: { kind: s.kind, name: s.name }, provider: s.provider, attrs: s.desired },
        ]),
      );
    t.ws.write(
      '.stratum/_shared.json',
      JSON.stringify({ version: 1, resources: entries(implicit) }, null, 2),
    );
    // The app namespace's own file holds one of its resources, recorded as applied.
    t.ws.write(
      '.stratum/app.json',
      JSON.stringify({
        version: 1,
        resources: {
          'ssh_file.web': {
            addr: { kind: 'ssh_file', name: 'web' },
            provider: 'ssh',
            attrs: {
              host: 'root@127.0.0.1',
              path: t.ws.hostPath('web.txt'),
              mode: '0644',
              sha256: createHash('sha256').update('web\n').digest('hex'),
            },
          },
        },
      }),
    );

    const app = await t.ws.run(['-n', 'app', 'plan']);
    expectExit(app, 0);
    const infra = await t.ws.run(['-n', 'infra', 'plan']);
    expectExit(infra, 0);
    expectGolden('namespace-shared-state', t.ws, app, infra);
    expect(app.stdout).toMatch(/^ {2}ssh_exec\._stratum_swap_primary$/m);
    // app.json's entry is not the infra namespace's business: no delete there.
    expect(infra.stdout).not.toContain('ssh_file.web');
  });
});

describe('cross-namespace conflicts (plan only)', { timeout: 30_000 }, () => {
  const CONFLICT_MANIFEST = `${hostBlock('primary')}
namespace "infra" {
  configs = ["infra/edge.strat"]
}

namespace "app" {
  configs = ["app/web.strat"]
}
`;
  const TRAEFIK = `resource "docker_container" "traefik" {
  host  = host.primary.addr
  name  = "traefik"
  image = "traefik:v2.11"
  ports = ["80:80", "443:443"]
}
`;

  it('two namespaces binding one host port', async () => {
    t.ws.write('stratum.strat', CONFLICT_MANIFEST);
    t.ws.write('infra/edge.strat', TRAEFIK);
    t.ws.write(
      'app/web.strat',
      `resource "docker_container" "web" {
  host  = host.primary.addr
  name  = "web"
  image = "nginx:alpine"
  ports = ["0.0.0.0:80:80"]
}
`,
    );
    const app = await t.ws.run(['-n', 'app', 'plan']);
    expectExit(app, 1);
    const infra = await t.ws.run(['-n', 'infra', 'plan']);
    expectExit(infra, 1);
    expectGolden('namespace-port-conflict', t.ws, app, infra);
  });

  it('two namespaces using one container name', async () => {
    t.ws.write('stratum.strat', CONFLICT_MANIFEST);
    t.ws.write('infra/edge.strat', TRAEFIK);
    t.ws.write(
      'app/web.strat',
      `resource "docker_container" "db" {
  host  = host.primary.addr
  name  = "traefik"
  image = "postgres:16-alpine"
}
`,
    );
    const app = await t.ws.run(['-n', 'app', 'plan']);
    expectExit(app, 1);
    expectGolden('namespace-name-conflict', t.ws, app);
  });

  it('bundle mode skips the cross-namespace check', async () => {
    t.ws.write('infra/edge.strat', `${hostBlock('primary')}\n${TRAEFIK}`);
    t.ws.write(
      'app/web.strat',
      'resource "docker_container" "web" {\n  host  = host.primary.addr\n  name  = "web"\n  image = "nginx:alpine"\n}\n',
    );
    const plan = await t.ws.run(['plan', '-c', 'infra/edge.strat', '-c', 'app/web.strat']);
    expectExit(plan, 0);
  });
});

describe('namespace selection errors', { timeout: 30_000 }, () => {
  it('-n with -c is refused', async () => {
    writeProject();
    const result = await t.ws.run(['-n', 'app', 'plan', '-c', 'app/web.strat']);
    expectExit(result, 1);
    expectGolden('namespace-with-config', t.ws, result);
  });

  it('an unknown namespace lists the known ones', async () => {
    writeProject();
    const result = await t.ws.run(['-n', 'nope', 'plan']);
    expectExit(result, 1);
    expectGolden('namespace-unknown', t.ws, result);
  });

  it('-n without a manifest, and a --manifest that does not exist', async () => {
    const missing = await t.ws.run(['-n', 'app', 'plan']);
    expectExit(missing, 1);
    const wrongPath = await t.ws.run(['--manifest', 'deploy/manifest.strat', '-n', 'app', 'apply', '-y']);
    expectExit(wrongPath, 1);
    expectGolden('namespace-manifest-missing', t.ws, missing, wrongPath);
  });
});
