/**
 * examples/namespaces, end to end on a fresh droplet, as its README tells it:
 * two namespaces (infra, app) share one host, each with its own state file
 * and the per-host resources in _shared.json; the collision checks; the way
 * to and from one bundle state file; removing one slice.
 * Runs when CI is set or STRATUM_DROPLET_TESTS=1.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dropletTier } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRun,
  doneSteps,
  driftByStep,
  planSteps,
  SLOW,
  startTutorial,
  summaryLine,
  type Tutorial,
} from './tutorial-harness';

const tier = await dropletTier();

const SHARED = [
  'ssh_exec._stratum_sshd_reload_sandbox',
  'ssh_exec._stratum_swap_sandbox',
  'system_file._stratum_sshd_oom_sandbox',
];
const INFRA = [
  'system_package.docker',
  'system_package.debootstrap',
  'system_service.docker',
  'system_file.base-image-script',
  'ssh_exec.base-image',
  'docker_network.edge',
  'system_file.caddyfile',
  'system_dir.edge-image',
  'docker_image.edge',
  'docker_container.edge',
];
const APP = [
  'system_file.web-dockerfile',
  'docker_image.web',
  'system_dir.web-content',
  'docker_container.web',
  'system_file.web-route',
  'docker_container.db',
];
const DB_PASSWORD = 'db-password-for-the-namespaces-test-3f9a';

interface StateFile {
  version: number;
  resources: Record<string, unknown>;
}

describe('examples/namespaces', () => {
  it('ships the same edge proxy and base image files as examples/bootstrap', () => {
    const examples = resolve(import.meta.dirname, '../../../../../examples');
    for (const [ours, theirs] of [
      ['namespaces/infra/files/Caddyfile', 'bootstrap/files/Caddyfile'],
      ['namespaces/infra/files/base-image.sh', 'bootstrap/files/base-image.sh'],
      ['namespaces/infra/images/edge/Dockerfile', 'bootstrap/images/edge/Dockerfile'],
      ['namespaces/infra/images/edge/edge-run', 'bootstrap/images/edge/edge-run'],
      ['namespaces/app/images/web/Dockerfile', 'static-site/images/web/Dockerfile'],
    ] as const) {
      expect(readFileSync(join(examples, ours), 'utf8'), ours).toBe(
        readFileSync(join(examples, theirs), 'utf8'),
      );
    }
  });
});

describe.skipIf(!tier.run)('tutorial: multi-namespace deployments (examples/namespaces)', () => {
  let t: Tutorial;

  beforeAll(async () => {
    t = await startTutorial('namespaces');
  }, SLOW);

  afterAll(async () => {
    await t?.stop();
  });

  it('infra plans and applies on its own, without the app’s secret', { timeout: SLOW }, async () => {
    const plan = await t.ok(['-n', 'infra', 'plan']);
    expect(summaryLine(plan.stdout)).toBe('13 create, 0 update, 0 delete, 0 no-op');
    const applied = await t.ok(['-n', 'infra', 'apply', '-y']);
    expect(applied.stdout).toMatch(/^State saved to \.stratum\/infra\.json$/m);
    expect(t.stateKeys('.stratum/infra.json')).toEqual([...INFRA].sort());
    expect(t.stateKeys('.stratum/_shared.json')).toEqual(SHARED);
    expect(t.exists('.stratum/app.json')).toBe(false);
    await t.httpUntil((a) => a.status === 404 && a.body.startsWith('stratum edge:'));
  });

  it('app needs DB_PASSWORD, sees the shared resources as done, and applies into its own file', {
    timeout: SLOW,
  }, async () => {
    const missing = await t.run(['-n', 'app', 'plan']);
    expect(missing.code, describeRun(missing)).toBe(1);
    expect(missing.stderr).toMatch(/DB_PASSWORD/);

    t.env.DB_PASSWORD = DB_PASSWORD;
    const plan = await t.ok(['-n', 'app', 'plan']);
    expect(planSteps(plan.stdout)).toEqual([
      [' ', 'ssh_exec._stratum_swap_sandbox'],
      [' ', 'system_file._stratum_sshd_oom_sandbox'],
      [' ', 'ssh_exec._stratum_sshd_reload_sandbox'],
      ...APP.map((addr): [string, string] => ['+', addr]),
    ]);
    expect(summaryLine(plan.stdout)).toBe('6 create, 0 update, 0 delete, 3 no-op');

    const shared = t.read('.stratum/_shared.json');
    const applied = await t.ok(['-n', 'app', 'apply', '-y']);
    expect(doneSteps(applied.stderr)).toEqual(APP);
    expect(t.stateKeys('.stratum/app.json')).toEqual([...APP].sort());
    expect(t.stateKeys('.stratum/infra.json')).toEqual([...INFRA].sort());
    expect(t.read('.stratum/_shared.json')).toBe(shared);

    const page = await t.httpUntil((a) => a.status === 200, '/', 'web.localhost');
    expect(page.body).toBe(t.read('app/site/index.html'));
    expect(await t.host('docker exec db printenv POSTGRES_PASSWORD')).toBe(`${DB_PASSWORD}\n`);
    expect(
      await t.host(
        "docker inspect --format '{{.Name}} {{range $n, $_ := .NetworkSettings.Networks}}{{$n}}{{end}}' edge web db",
      ),
    ).toBe('/edge stratum-edge\n/web stratum-edge\n/db stratum-edge\n');
  });

  it('each namespace is then a no-op on its own, and reads back clean', { timeout: SLOW }, async () => {
    for (const ns of ['infra', 'app']) {
      const again = await t.ok(['-n', ns, 'apply', '-y']);
      expect(again.stdout).toMatch(/^Nothing to do\.$/m);
    }
    expect((await t.ok(['-n', 'infra', 'plan', '--refresh'])).stdout).toMatch(/^drift: 3 unreadable$/m);
    expect((await t.ok(['-n', 'app', 'plan', '--refresh'])).stdout).toMatch(/^drift: 2 unreadable$/m);
  });

  it('the variant manifests trip the port and the container-name checks at plan time', {
    timeout: SLOW,
  }, async () => {
    const port = await t.run(['--manifest', 'variants/port-clash.strat', '-n', 'app', 'plan']);
    expect(port.code, describeRun(port)).toBe(1);
    expect(port.stderr).toContain(
      [
        'Error: cross-namespace port conflict on host `root@sandbox`:',
        '  - app::docker_container.web  (current) wants 80',
        '  - infra::docker_container.edge  (sibling) already claims it',
      ].join('\n'),
    );
    const name = await t.run(['--manifest', 'variants/name-clash.strat', '-n', 'app', 'plan']);
    expect(name.code, describeRun(name)).toBe(1);
    expect(name.stderr).toContain(
      [
        'Error: cross-namespace container name conflict on host `root@sandbox`:',
        '  - app::docker_container.db  (current) uses name `edge`',
        '  - infra::docker_container.edge  (sibling) already uses it',
      ].join('\n'),
    );
    expect(port.stdout + name.stdout).not.toMatch(/create|update/);
  });

  it('a container removed by hand in one slice is repaired by that slice alone', {
    timeout: SLOW,
  }, async () => {
    await t.host('docker rm -f web');
    const refreshed = await t.ok(['-n', 'app', 'plan', '--refresh']);
    expect(driftByStep(refreshed.stdout).get('docker_container.web')).toEqual([
      '! DRIFT: resource missing on host (state says exists)',
    ]);
    const repaired = await t.ok(['-n', 'app', 'apply', '-y', '--refresh']);
    expect(doneSteps(repaired.stderr)).toEqual(['docker_container.web']);
    await t.httpUntil((a) => a.status === 200, '/', 'web.localhost');
  });

  it('merges into one bundle state and splits back by hand, as the README describes', {
    timeout: SLOW,
  }, async () => {
    const merged = await t.ok([
      'state',
      'merge',
      '-o',
      'bundle.json',
      '.stratum/infra.json',
      '.stratum/app.json',
      '.stratum/_shared.json',
    ]);
    expect(merged.stdout).toMatch(/19 resources/);
    const bundleFlags = [
      '-c',
      'stratum.strat',
      ...['infra/docker.strat', 'infra/edge.strat', 'app/web.strat', 'app/db.strat'].flatMap((f) => [
        '-c',
        f,
      ]),
    ];
    const bundlePlan = await t.ok(['plan', ...bundleFlags, '-s', 'bundle.json']);
    expect(summaryLine(bundlePlan.stdout)).toBe('0 create, 0 update, 0 delete, 19 no-op');

    // The hand split: _stratum_* entries to _shared.json, every other entry to
    // the namespace whose config files declare it.
    const bundle = t.readJson<StateFile>('bundle.json');
    const pick = (keep: (addr: string) => boolean): StateFile => ({
      version: bundle.version,
      resources: Object.fromEntries(Object.entries(bundle.resources).filter(([addr]) => keep(addr))),
    });
    const isShared = (addr: string) => addr.split('.')[1]!.startsWith('_stratum_');
    t.write('split/_shared.json', JSON.stringify(pick(isShared), null, 2));
    t.write(
      'split/infra.json',
      JSON.stringify(
        pick((a) => INFRA.includes(a)),
        null,
        2,
      ),
    );
    t.write(
      'split/app.json',
      JSON.stringify(
        pick((a) => APP.includes(a)),
        null,
        2,
      ),
    );
    expect(summaryLine((await t.ok(['-n', 'infra', 'plan', '-s', 'split/infra.json'])).stdout)).toBe(
      '0 create, 0 update, 0 delete, 13 no-op',
    );
    expect(summaryLine((await t.ok(['-n', 'app', 'plan', '-s', 'split/app.json'])).stdout)).toBe(
      '0 create, 0 update, 0 delete, 9 no-op',
    );
  });

  it('emptying the app’s configs removes that slice only', { timeout: SLOW }, async () => {
    t.write('app/web.strat', '');
    t.write('app/db.strat', '');
    const removed = await t.ok(['-n', 'app', 'apply', '-y', '--allow-destroy']);
    expect(summaryLine(removed.stdout)).toBe('0 create, 0 update, 6 delete, 3 no-op');
    const order = doneSteps(removed.stderr);
    expect(order.indexOf('system_file.web-route')).toBeLessThan(order.indexOf('docker_container.web'));
    expect(t.stateKeys('.stratum/app.json')).toEqual([]);
    expect(t.stateKeys('.stratum/_shared.json')).toEqual(SHARED);
    expect(t.stateKeys('.stratum/infra.json')).toEqual([...INFRA].sort());
    expect(
      await t.hostCode(
        'docker container inspect web || docker container inspect db || test -e /etc/caddy/sites/web.caddy',
      ),
    ).not.toBe(0);
    expect(await t.host("docker inspect --format '{{.State.Status}}' edge")).toBe('running\n');
    await t.httpUntil((a) => a.status === 404, '/', 'web.localhost');
    t.expectNeverWritten([DB_PASSWORD]);
  });
});
