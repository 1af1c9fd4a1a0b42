/**
 * examples/quickstart applied as a cloud image's login user would: `deploy`,
 * with an authorized key and passwordless sudo, on a droplet that refuses root
 * logins. The host block gains `sudo = true`; everything else is the example as
 * shipped. A second user whose sudo wants a password gets the clear error
 * before any step runs. Runs when CI is set or STRATUM_DROPLET_TESTS=1.
 */
import { addSudoUserScript, dropletTier, REFUSE_ROOT_LOGIN } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeRun, doneSteps, driftByStep, SLOW, startTutorial, type Tutorial } from './tutorial-harness';

const tier = await dropletTier();

/** Users with root's key: `deploy` may sudo without a password, `needpw` only with one. Root may not log in. */
const SETUP_USERS = [
  addSudoUserScript('deploy'),
  addSudoUserScript('needpw', { needsPassword: true }),
  REFUSE_ROOT_LOGIN,
].join('\n');

describe.skipIf(!tier.run)('tutorial: the quickstart as a non-root user with sudo', () => {
  let t: Tutorial;

  beforeAll(async () => {
    t = await startTutorial('quickstart');
    await t.host(SETUP_USERS);
    const shipped = t.read('stratum.strat');
    expect(shipped).toContain('addr = "root@sandbox"');
    t.write(
      'stratum.strat',
      shipped.replace('addr = "root@sandbox"', 'addr = "deploy@sandbox"\n  sudo = true'),
    );
  }, SLOW);

  afterAll(async () => {
    await t?.stop();
  });

  it('root cannot log in any more, so whatever works below works through sudo', {
    timeout: SLOW,
  }, async () => {
    t.write('stratum.strat', 'host "sandbox" {\n  addr = "root@sandbox"\n}\n', 'quickstart-root');
    const refused = await t.run(['status'], { cwd: 'quickstart-root' });
    expect(refused.code, describeRun(refused)).toBe(1);
    expect(refused.stderr).toMatch(/permission denied for root@127\.0\.0\.1:\d+/);
  });

  it('a user whose sudo wants a password is refused before any step runs, naming host and user', {
    timeout: SLOW,
  }, async () => {
    t.write(
      'stratum.strat',
      t.read('stratum.strat').replace('addr = "deploy@sandbox"', 'addr = "needpw@sandbox"'),
      'quickstart-needpw',
    );
    for (const rel of ['files/index.html', 'files/hello.service', 'secrets/api-token.txt'])
      t.write(rel, t.read(rel), 'quickstart-needpw');
    const refused = await t.run(['apply', '-y'], { cwd: 'quickstart-needpw' });
    expect(refused.code, describeRun(refused)).toBe(1);
    expect(refused.stderr).toContain('has sudo = true, but sudo asks needpw for a password');
    expect(refused.stderr).toContain('needpw ALL=(ALL) NOPASSWD: ALL');
    // The sudo check runs before the first command of the host, so the first step fails without running.
    expect(refused.stderr).toContain('No step was applied; .stratum/state.json is unchanged.');
    expect(doneSteps(refused.stderr)).toEqual([]);
    expect(await t.hostCode('test -e /srv/hello || test -e /etc/hello')).not.toBe(0);
  });

  it('applies as deploy with sudo: files owned as the config says, the service up', {
    timeout: SLOW,
  }, async () => {
    const applied = await t.ok(['apply', '-y']);
    expect(doneSteps(applied.stderr)).toContain('system_service.hello');
    expect(await t.host("stat -c '%U:%G %a' /srv/hello /srv/hello/index.html /etc/hello/api-token")).toBe(
      'root:root 755\nroot:root 644\nroot:root 400\n',
    );
    expect(await t.host('systemctl is-active hello')).toBe('active\n');
    // What the login user did, it did as root: nothing in its home but what useradd put there.
    expect(await t.host('find /home/deploy -newer /etc/sudoers.d/deploy -not -path "*/.ssh*" | wc -l')).toBe(
      '0\n',
    );
  });

  it('re-plans clean, and a refresh through sudo finds no drift', { timeout: SLOW }, async () => {
    await t.expectCleanReplan();
    // status reads the host through the same sudo.
    const status = await t.ok(['status']);
    expect(status.stdout).toMatch(/^=== deploy@sandbox ===$/m);
  });

  it('drift made by hand is seen through sudo and repaired', { timeout: SLOW }, async () => {
    await t.host('chmod 0600 /srv/hello/index.html');
    const refreshed = await t.ok(['plan', '--refresh']);
    expect(driftByStep(refreshed.stdout).get('system_file.page')?.join('\n')).toMatch(/DRIFT/);
    await t.ok(['apply', '-y', '--refresh']);
    expect(await t.host("stat -c '%a' /srv/hello/index.html")).toBe('644\n');
  });
});
