/**
 * Triggers on a droplet, through the CLI: a unit restarted when its config
 * file changes — once, and not for an unrelated change — and a restart that
 * survives the apply being killed right after the file step. The unit logs
 * every start to a file, so the test counts restarts rather than trusting
 * stratum's own output. Runs when CI is set or STRATUM_DROPLET_TESTS=1.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Droplet, dropletTier, pollUntil, startDroplet } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRun,
  doneSteps,
  planSteps,
  SLOW,
  summaryLine,
  Tutorial,
  writeSandboxSshConfig,
} from './tutorials/tutorial-harness';

const tier = await dropletTier();

const STARTS = '/var/log/stratum-trig.starts';
const HOLD = '/tmp/stratum-trig.hold';
const HELD = '/tmp/stratum-trig.held';

/** The config, with the two files' contents as parameters. */
function config(conf: string, other: string): string {
  return `host "box" {
  addr = "root@sandbox"
}

resource "system_file" "unit" {
  host    = host.box.addr
  path    = "/etc/systemd/system/stratum-trig.service"
  content = "[Unit]\\nDescription=stratum trigger test\\n[Service]\\nExecStartPre=/bin/sh -c 'echo start >> ${STARTS}'\\nExecStart=/bin/sleep infinity\\n[Install]\\nWantedBy=multi-user.target\\n"
}

resource "system_file" "conf" {
  host    = host.box.addr
  path    = "/etc/stratum-trig.conf"
  content = "${conf}\\n"
}

# Re-runs on a change of the file too; holds the apply while ${HOLD} exists, so the test can kill it there.
resource "ssh_exec" "gate" {
  host         = host.box.addr
  command      = "if [ -e ${HOLD} ]; then touch ${HELD}; while [ -e ${HOLD} ]; do sleep 0.2; done; fi; echo passed"
  triggered_by = ["system_file.conf"]
}

resource "system_service" "trig" {
  host         = host.box.addr
  name         = "stratum-trig"
  enabled      = true
  state        = "started"
  triggered_by = ["system_file.conf"]
  depends_on   = ["system_file.unit", "ssh_exec.gate"]
}

resource "system_file" "other" {
  host    = host.box.addr
  path    = "/etc/stratum-other"
  content = "${other}\\n"
}
`;
}

describe.skipIf(!tier.run)('triggers on a droplet', () => {
  let droplet: Droplet;
  let t: Tutorial;

  /** How many times the unit has started. */
  const starts = async () => Number((await t.host(`cat ${STARTS} 2>/dev/null | wc -l`)).trim());

  beforeAll(async () => {
    droplet = await startDroplet();
    const root = await mkdtemp(join(tmpdir(), 'stratum-triggers-'));
    mkdirSync(join(root, 'home'), { mode: 0o700 });
    t = new Tutorial('triggers', root, droplet);
    writeSandboxSshConfig(t);
    t.write('stratum.strat', config('v1', 'x'));
    await t.ok(['apply', '-y']);
  }, SLOW);

  afterAll(async () => {
    await droplet?.stop();
    if (t) rmSync(t.root, { recursive: true, force: true });
  });

  it('creating the unit starts it once: nothing is restarted on a create', async () => {
    expect(await starts()).toBe(1);
    await t.expectCleanReplan();
  });

  it('a changed config file restarts the unit once, after the file, and says why in the plan', {
    timeout: SLOW,
  }, async () => {
    t.write('stratum.strat', config('v2', 'x'));
    const plan = await t.ok(['plan']);
    expect(plan.stdout).toContain('~ system_service.trig  (restart: system_file.conf changed)');
    expect(plan.stdout).toContain('~ ssh_exec.gate  (re-run: system_file.conf changed)');
    expect(summaryLine(plan.stdout)).toMatch(/^0 create, 3 update, 0 delete, \d+ no-op$/);

    const applied = await t.ok(['apply', '-y']);
    expect(doneSteps(applied.stderr)).toEqual(['system_file.conf', 'ssh_exec.gate', 'system_service.trig']);
    expect(applied.stderr).toContain('[system] SERVICE `stratum-trig` restart on root@sandbox');
    expect(await starts()).toBe(2);
    expect(await t.host('systemctl is-active stratum-trig')).toBe('active\n');
    await t.expectCleanReplan();
    expect(await starts()).toBe(2);
  });

  it('an unrelated change restarts nothing', { timeout: SLOW }, async () => {
    t.write('stratum.strat', config('v2', 'y'));
    const applied = await t.ok(['apply', '-y']);
    expect(doneSteps(applied.stderr)).toEqual(['system_file.other']);
    expect(await starts()).toBe(2);
  });

  it('killed right after the file step, the next apply still restarts the unit, once', {
    timeout: SLOW,
  }, async () => {
    await t.host(`rm -f ${HELD} && touch ${HOLD}`);
    t.write('stratum.strat', config('v3', 'y'));
    const child = t.spawn(['apply', '-y']);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const held = await pollUntil(
        async () => ((await t.hostCode(`test -e ${HELD}`)) === 0 ? true : undefined),
        { timeoutMs: 120_000, intervalMs: 200 },
      );
      expect(held, 'the apply never reached the gate').toBe(true);
      child.kill('SIGKILL');
      await exited;
    } finally {
      await t.host(`rm -f ${HOLD}`);
    }
    expect(await t.host('cat /etc/stratum-trig.conf')).toBe('v3\n');
    expect(await starts()).toBe(2);

    // The debt is in state, and the plan shows it although the file is now unchanged.
    const shown = await t.ok(['state', 'show', 'system_service.trig']);
    expect(JSON.parse(shown.stdout).pending_trigger).toEqual(['system_file.conf']);
    const plan = await t.ok(['plan']);
    expect(plan.stdout).toContain(
      '~ system_service.trig  (restart: system_file.conf changed in an earlier apply)',
    );
    expect(planSteps(plan.stdout).filter(([symbol]) => symbol !== ' ')).toEqual([
      ['~', 'ssh_exec.gate'],
      ['~', 'system_service.trig'],
    ]);

    const again = await t.run(['apply', '-y']);
    expect(again.code, describeRun(again)).toBe(0);
    expect(doneSteps(again.stderr)).toEqual(['ssh_exec.gate', 'system_service.trig']);
    expect(await starts()).toBe(3);
    const shownAfter = await t.ok(['state', 'show', 'system_service.trig']);
    expect(JSON.parse(shownAfter.stdout).pending_trigger).toBeUndefined();

    // Paid once: nothing is owed any more.
    await t.expectCleanReplan();
    expect(await starts()).toBe(3);
  });
});
