import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { LoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALIAS,
  createWorkspace,
  expectExit,
  expectGolden,
  hostBlock,
  startHost,
  type Workspace,
} from './harness';

/**
 * The life of one config, as a user lives it: plan, the -y gate, apply, a
 * no-op re-plan, refresh, drift made by hand, the destruction guard.
 * The steps share one workspace and run in order.
 */

const CONFIG = `${hostBlock('box')}
resource "system_dir" "cache" {
  host     = host.box.addr
  path     = "@HOST@/var/cache/app"
  dir_mode = "0750"
}

resource "system_file" "conf" {
  host    = host.box.addr
  path    = "@HOST@/etc/app/app.conf"
  content = "listen = 8080\\n"
  mode    = "0640"
}

resource "ssh_file" "motd" {
  host    = host.box.addr
  path    = "@HOST@/motd"
  content = "Managed by stratum.\\n"
  mode    = "0600"
}
`;

const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8).padStart(4, '0');

let sshd: LoopbackSshd;
beforeAll(async () => {
  sshd = await startHost();
});
afterAll(async () => {
  await sshd?.stop();
});

describe('plan and apply, end to end', { timeout: 60_000 }, () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await createWorkspace(sshd);
    ws.write('stratum.strat', CONFIG);
  });
  afterAll(() => ws?.dispose());

  it('plan prints the creates and the summary, and touches nothing', async () => {
    const plan = await ws.run(['plan']);
    expectExit(plan, 0);
    expectGolden('plan-create', ws, plan);
    expect(ws.exists('.stratum')).toBe(false);
  });

  it('plan --detailed-exitcode exits 2 when there are changes', async () => {
    expectExit(await ws.run(['plan', '--detailed-exitcode']), 2);
  });

  it('plan --json is a versioned document', async () => {
    const result = await ws.run(['plan', '--json']);
    expectExit(result, 0);
    const doc = JSON.parse(result.stdout);
    expect(doc.format_version).toBe(1);
    expect(doc.mode).toBe('bundle');
    expect(doc.summary).toMatchObject({ create: 3, update: 0, delete: 0, noop: 0 });
    expect(doc.steps.map((s: { address: string; action: string }) => `${s.action} ${s.address}`)).toEqual([
      'create system_dir.cache',
      'create system_file.conf',
      'create ssh_file.motd',
    ]);
    expect(doc.state).toBe(`${ws.dir}/.stratum/state.json`);
  });

  it('apply without -y prints the plan and the gate, and changes nothing', async () => {
    const result = await ws.run(['apply']);
    expectExit(result, 0);
    expectGolden('apply-gate', ws, result);
    expect(ws.exists('.stratum/state.json')).toBe(false);
    expect(ws.filesUnder('../host')).toEqual([]);
  });

  it('apply -y creates the files on the host and saves state', async () => {
    const result = await ws.run(['apply', '-y']);
    expectExit(result, 0);
    expectGolden('apply-create', ws, result);

    expect(readFileSync(ws.hostPath('etc/app/app.conf'), 'utf8')).toBe('listen = 8080\n');
    expect(mode(ws.hostPath('etc/app/app.conf'))).toBe('0640');
    expect(readFileSync(ws.hostPath('motd'), 'utf8')).toBe('Managed by stratum.\n');
    expect(mode(ws.hostPath('motd'))).toBe('0600');
    expect(statSync(ws.hostPath('var/cache/app')).isDirectory()).toBe(true);
    expect(mode(ws.hostPath('var/cache/app'))).toBe('0750');

    const state = ws.readJson<{ version: number; resources: Record<string, unknown> }>('.stratum/state.json');
    expect(state.version).toBe(1);
    expect(Object.keys(state.resources)).toEqual(['ssh_file.motd', 'system_dir.cache', 'system_file.conf']);
  });

  it('a re-plan is all no-op, and apply -y again has nothing to do', async () => {
    const plan = await ws.run(['plan', '--detailed-exitcode']);
    expectExit(plan, 0);
    expect(plan.stdout).toContain('0 create, 0 update, 0 delete, 3 no-op');
    const before = ws.read('.stratum/state.json');
    const apply = await ws.run(['apply', '-y']);
    expectExit(apply, 0);
    expectGolden('apply-nothing-to-do', ws, apply);
    expect(ws.read('.stratum/state.json')).toBe(before);
  });

  it('plan --refresh reads the host back: clean', async () => {
    const result = await ws.run(['plan', '--refresh']);
    expectExit(result, 0);
    expect(result.stdout.trimEnd().split('\n').slice(-2)).toEqual([
      '0 create, 0 update, 0 delete, 3 no-op',
      'drift: clean',
    ]);
  });

  it('drift made by hand shows as DRIFT lines and the drift footer', async () => {
    writeFileSync(ws.hostPath('etc/app/app.conf'), 'listen = 9999\n');
    rmSync(ws.hostPath('var/cache/app'), { recursive: true });
    const result = await ws.run(['plan', '--refresh']);
    expectExit(result, 0);
    expectGolden('plan-refresh-drift', ws, result);
    // Refresh annotates; it never writes state.
    expect(ws.read('.stratum/state.json')).not.toContain('9999');
  });

  it('a plain apply plans from state, as the spec says: drift alone is not a change', async () => {
    // Without --refresh, apply compares config with state and never reads the
    // host first: drift made by hand is reported (plan --refresh, post-apply
    // check) but is not work.
    const apply = await ws.run(['apply', '-y']);
    expectExit(apply, 0);
    expect(apply.stdout).toContain('Nothing to do.');
    expect(readFileSync(ws.hostPath('etc/app/app.conf'), 'utf8')).toBe('listen = 9999\n');
  });

  it('apply --refresh repairs drift made by hand', async () => {
    const repair = await ws.run(['apply', '--refresh', '-y']);
    expectExit(repair, 0);
    expect(repair.stdout).toContain('+ system_dir.cache');
    expect(repair.stdout).toContain('~ system_file.conf');
    expect(readFileSync(ws.hostPath('etc/app/app.conf'), 'utf8')).toBe('listen = 8080\n');
    expect(mode(ws.hostPath('var/cache/app'))).toBe('0750');
    expect(repair.stdout).toContain('post-apply drift: clean');
    const again = await ws.run(['apply', '--refresh', '-y']);
    expect(again.stdout).toContain('Nothing to do.');
  });

  it('a config change re-applies the resource', async () => {
    ws.write('stratum.strat', CONFIG.replace('listen = 8080', 'listen = 8081').replace('"0750"', '"0700"'));
    const repair = await ws.run(['apply', '-y']);
    expectExit(repair, 0);
    expectGolden('apply-repair', ws, repair);
    expect(readFileSync(ws.hostPath('etc/app/app.conf'), 'utf8')).toBe('listen = 8081\n');
    expect(mode(ws.hostPath('var/cache/app'))).toBe('0700');
    const refresh = await ws.run(['plan', '--refresh']);
    expect(refresh.stdout).toContain('drift: clean');
  });

  it('the destruction guard refuses to delete what the config no longer declares', async () => {
    const withoutMotd = CONFIG.replace('listen = 8080', 'listen = 8081')
      .replace('"0750"', '"0700"')
      .replace(/resource "ssh_file" "motd" \{[^}]*\}\n/, '');
    ws.write('stratum.strat', withoutMotd);
    const stateBefore = ws.read('.stratum/state.json');

    const refused = await ws.run(['apply', '-y']);
    expectExit(refused, 1);
    // The guard runs before the -y gate: the same refusal without -y.
    const refusedNoYes = await ws.run(['apply']);
    expectExit(refusedNoYes, 1);
    expectGolden('apply-destroy-refused', ws, refused, refusedNoYes);
    expect(ws.read('.stratum/state.json')).toBe(stateBefore);
    expect(readFileSync(ws.hostPath('motd'), 'utf8')).toBe('Managed by stratum.\n');

    const plan = await ws.run(['plan']);
    expect(plan.stdout).toContain('- ssh_file.motd');

    const allowed = await ws.run(['apply', '-y', '--allow-destroy']);
    expectExit(allowed, 0);
    expectGolden('apply-allow-destroy', ws, allowed);
    expect(() => statSync(ws.hostPath('motd'))).toThrow(/ENOENT/);
    expect(Object.keys(ws.readJson<{ resources: object }>('.stratum/state.json').resources)).toEqual([
      'system_dir.cache',
      'system_file.conf',
    ]);
  });
});

describe('addressing the host', { timeout: 60_000 }, () => {
  it('by the host block `port` (no Port in ~/.ssh/config)', async () => {
    const ws = await createWorkspace(sshd, { sshConfig: 'port-in-host-block' });
    try {
      ws.write(
        'stratum.strat',
        `${hostBlock('box', 'root@127.0.0.1', '  port   = @PORT@\n')}
resource "ssh_file" "hello" {
  host    = host.box.addr
  path    = "@HOST@/hello"
  content = "by port\\n"
}
`,
      );
      const result = await ws.run(['apply', '-y']);
      expectExit(result, 0);
      expect(result.stdout).toContain('post-apply drift: clean');
      expect(readFileSync(ws.hostPath('hello'), 'utf8')).toBe('by port\n');
    } finally {
      ws.dispose();
    }
  });

  it('by an ~/.ssh/config Host alias', async () => {
    const ws = await createWorkspace(sshd);
    try {
      ws.write(
        'stratum.strat',
        `${hostBlock('box', ALIAS)}
resource "ssh_file" "hello" {
  host    = host.box.addr
  path    = "@HOST@/hello"
  content = "by alias\\n"
}
`,
      );
      const result = await ws.run(['apply', '-y']);
      expectExit(result, 0);
      expect(result.stdout).toContain('post-apply drift: clean');
      expect(readFileSync(ws.hostPath('hello'), 'utf8')).toBe('by alias\n');
      const status = await ws.run(['status']);
      expectExit(status, 0);
      expect(status.stdout).toContain(`=== ${ALIAS} ===`);
    } finally {
      ws.dispose();
    }
  });
});

describe('apply --json', { timeout: 60_000 }, () => {
  it('streams one JSON event per line, versioned by the first', async () => {
    const ws = await createWorkspace(sshd);
    try {
      ws.write(
        'stratum.strat',
        `${hostBlock('box')}
resource "ssh_file" "hello" {
  host    = host.box.addr
  path    = "@HOST@/hello"
  content = "json\\n"
}
`,
      );
      const result = await ws.run(['apply', '-y', '--json']);
      expectExit(result, 0);
      const events = result.stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string } & Record<string, unknown>);
      expect(events.map((e) => e.type)).toEqual([
        'stream',
        'plan',
        'step_start',
        'step_done',
        'state_saved',
        'post_apply',
      ]);
      expect(events[0]).toEqual({ type: 'stream', format_version: 1 });
      expect(events[1]).toMatchObject({ steps: [{ address: 'ssh_file.hello', action: 'create' }] });
      expect(events[3]).toMatchObject({ address: 'ssh_file.hello', elapsed_ms: expect.any(Number) });
      expect(readFileSync(ws.hostPath('hello'), 'utf8')).toBe('json\n');

      const again = await ws.run(['apply', '-y', '--json']);
      expectExit(again, 0);
      expect(again.stdout.trimEnd().split('\n').at(-1)).toBe('{"type":"done","result":"nothing-to-do"}');
    } finally {
      ws.dispose();
    }
  });
});
