/**
 * examples/static-site, end to end on a fresh droplet, as its README tells it:
 * bootstrap first, then the site applied together with the bootstrap against
 * the host's one state file. Checks the page through the edge proxy, the
 * delete_extra sync, drift repair and removing the site again.
 * Runs when CI is set or STRATUM_DROPLET_TESTS=1.
 */
import { createHash } from 'node:crypto';
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

/** Both configs, one state file: the host's, which the bootstrap wrote. */
const TOGETHER = [
  '-c',
  '../bootstrap/stratum.strat',
  '-c',
  'stratum.strat',
  '-s',
  '../bootstrap/.stratum/state.json',
];
const SITE = [
  'system_file.web-dockerfile',
  'docker_image.web',
  'system_dir.site',
  'docker_container.site',
  'system_file.site-route',
];
const SITE_HOST = 'site.localhost';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.skipIf(!tier.run)('tutorial: a static site behind the edge proxy (examples/static-site)', () => {
  let t: Tutorial;

  beforeAll(async () => {
    t = await startTutorial('static-site');
    // Step 0 of the README: the host is bootstrapped (examples/bootstrap, its own README).
    await t.ok(['apply', '-y'], { cwd: 'bootstrap' });
  }, SLOW);

  afterAll(async () => {
    await t?.stop();
  });

  /** The host's copy of the site, as `sha256  relpath` lines, against the local folder. */
  async function expectHostTreeMatchesLocal(files: string[]): Promise<void> {
    const listing = await t.host('cd /srv/site && find . -type f | sort | xargs sha256sum');
    const expected = [...files]
      .sort()
      .map((rel) => `${sha256(t.read(`site/${rel}`))}  ./${rel}`)
      .join('\n');
    expect(listing.trim()).toBe(expected);
    expect(await t.host("stat -c '%a %U:%G' /srv/site /srv/site/index.html")).toBe(
      '755 root:root\n644 root:root\n',
    );
  }

  it('plans only the five site resources as creates; the bootstrap is untouched', {
    timeout: SLOW,
  }, async () => {
    const plan = await t.ok(['plan', ...TOGETHER]);
    expect(summaryLine(plan.stdout)).toBe('5 create, 0 update, 0 delete, 22 no-op');
    expect(planSteps(plan.stdout).filter(([symbol]) => symbol === '+')).toEqual(
      SITE.map((addr) => ['+', addr]),
    );
  });

  it('refuses to load the site config without the bootstrap (the host is declared there)', {
    timeout: SLOW,
  }, async () => {
    const alone = await t.run(['plan', '-c', 'stratum.strat', '-s', '../bootstrap/.stratum/state.json']);
    expect(alone.code, describeRun(alone)).toBe(1);
    expect(alone.stderr).toMatch(
      /^Error: stratum\.strat:\d+:\d+: unknown host `sandbox` in reference `host\.sandbox\.addr` \[UnknownHost\]$/m,
    );
  });

  it('uploads the folder and serves it through the proxy at site.localhost', { timeout: SLOW }, async () => {
    const applied = await t.ok(['apply', '-y', ...TOGETHER]);
    expect(doneSteps(applied.stderr)).toEqual(SITE);
    expect(applied.stderr).toMatch(
      /^\[system\] DIR `site` -> root@sandbox:\/srv\/site \(3 files, mode=0644 dir_mode=0755 root:root\)$/m,
    );
    expect(applied.stdout).toMatch(/^post-apply drift: 4 unreadable/m);

    await expectHostTreeMatchesLocal(['index.html', 'about.html', 'css/site.css']);
    expect(
      await t.host(
        "docker inspect --format '{{.State.Status}} {{range .Mounts}}{{.Source}}:{{.Destination}}:{{.RW}}{{end}} {{range $n, $_ := .NetworkSettings.Networks}}{{$n}}{{end}}' site",
      ),
    ).toBe('running /srv/site:/var/www/html:false stratum-edge\n');
    expect(await t.host('cat /etc/caddy/sites/site.caddy')).toBe(t.read('files/site.caddy'));

    const page = await t.httpUntil((a) => a.status === 200, '/', SITE_HOST);
    expect(page.body).toBe(t.read('site/index.html'));
    expect((await t.http('/css/site.css', SITE_HOST)).body).toBe(t.read('site/css/site.css'));
    // Other names still get the proxy's own answer.
    expect(await t.http('/')).toEqual({ status: 404, body: 'stratum edge: nothing is routed for 127.0.0.1' });
  });

  it('applying again changes nothing', { timeout: SLOW }, async () => {
    const again = await t.ok(['apply', '-y', ...TOGETHER]);
    expect(summaryLine(again.stdout)).toBe('0 create, 0 update, 0 delete, 27 no-op');
    expect(again.stdout).toMatch(/^Nothing to do\.$/m);
  });

  it('a file removed from site/ disappears from the host; an edit shows up without a restart', {
    timeout: SLOW,
  }, async () => {
    const containerId = await t.host("docker inspect --format '{{.Id}}' site");
    t.remove('site/about.html');
    t.write(
      'site/index.html',
      t.read('site/index.html').replace('Hello from the static site', 'Hello again'),
    );

    const plan = await t.ok(['plan', ...TOGETHER]);
    expect(summaryLine(plan.stdout)).toBe('0 create, 1 update, 0 delete, 26 no-op');
    expect(planSteps(plan.stdout)).toContainEqual(['~', 'system_dir.site']);

    const applied = await t.ok(['apply', '-y', ...TOGETHER]);
    expect(doneSteps(applied.stderr)).toEqual(['system_dir.site']);
    expect(applied.stderr).toMatch(/^\[system\] DIR `site` -> root@sandbox:\/srv\/site \(2 files, /m);
    await expectHostTreeMatchesLocal(['index.html', 'css/site.css']);
    expect(await t.hostCode('test -e /srv/site/about.html')).not.toBe(0);
    expect((await t.http('/about.html', SITE_HOST)).status).toBe(404);
    expect((await t.http('/', SITE_HOST)).body).toContain('<h1>Hello again</h1>');
    expect(await t.host("docker inspect --format '{{.Id}}' site")).toBe(containerId);
  });

  it('hand edits on the host are reported by plan --refresh and undone by apply --refresh', {
    timeout: SLOW,
  }, async () => {
    await t.host(
      'echo defaced > /srv/site/index.html && echo stray > /srv/site/stray.html && docker stop site && rm /etc/caddy/sites/site.caddy',
    );
    const refreshed = await t.ok(['plan', '--refresh', ...TOGETHER]);
    const notes = driftByStep(refreshed.stdout);
    expect(notes.get('system_dir.site')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^! DRIFT: manifest\.index\.html: /),
        expect.stringMatching(/^! DRIFT: manifest\.stray\.html: state=null observed="[0-9a-f]{64}"$/),
      ]),
    );
    expect(notes.get('docker_container.site')).toEqual(['! DRIFT: state: state="running" observed="exited"']);
    expect(notes.get('system_file.site-route')).toEqual([
      '! DRIFT: resource missing on host (state says exists)',
    ]);

    const repaired = await t.ok(['apply', '-y', '--refresh', ...TOGETHER]);
    expect(doneSteps(repaired.stderr)).toEqual([
      'system_dir.site',
      'docker_container.site',
      'system_file.site-route',
    ]);
    await expectHostTreeMatchesLocal(['index.html', 'css/site.css']);
    const page = await t.httpUntil((a) => a.status === 200, '/', SITE_HOST);
    expect(page.body).toBe(t.read('site/index.html'));
    expect((await t.ok(['plan', '--refresh', ...TOGETHER])).stdout).toMatch(/^drift: 4 unreadable$/m);
  });

  it('applying the bootstrap alone trips the destruction guard; with --allow-destroy only the site goes', {
    timeout: SLOW,
  }, async () => {
    const alone = await t.run(['apply', '-y'], { cwd: 'bootstrap' });
    expect(alone.code, describeRun(alone)).toBe(1);
    expect(alone.stderr).toContain(
      [
        'Error: refusing to apply: plan would delete 5 resources not in config:',
        '  - system_file.site-route',
        '  - docker_container.site',
        '  - system_dir.site',
        '  - docker_image.web',
        '  - system_file.web-dockerfile',
        'loaded configs: stratum.strat',
        'state file: .stratum/state.json',
      ].join('\n'),
    );

    const removed = await t.ok(['apply', '-y', '--allow-destroy'], { cwd: 'bootstrap' });
    expect(summaryLine(removed.stdout)).toBe('0 create, 0 update, 5 delete, 22 no-op');
    const order = doneSteps(removed.stderr);
    expect(order.indexOf('system_file.site-route')).toBeLessThan(order.indexOf('docker_container.site'));
    expect(order.indexOf('docker_container.site')).toBeLessThan(order.indexOf('docker_image.web'));
    expect(await t.hostCode('test -e /srv/site || test -e /etc/caddy/sites/site.caddy')).not.toBe(0);
    expect(await t.hostCode('docker container inspect site')).not.toBe(0);
    await t.httpUntil((a) => a.status === 404, '/', SITE_HOST);
    // The bootstrap is still all there.
    expect(await t.host("docker inspect --format '{{.State.Status}}' edge")).toBe('running\n');
    expect(t.stateKeys('.stratum/state.json', 'bootstrap')).toHaveLength(22);
  });
});
