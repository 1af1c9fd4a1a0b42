import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectExit, expectGolden, hostBlock, useWorkspacePerTest } from './harness';
import { expectMatchesSchema } from './json-schemas';

/** `stratum state list | show | merge`, on state a real apply wrote and on files written by hand. */

const t = useWorkspacePerTest();

function entry(kind: string, name: string, provider: string, attrs: Record<string, unknown> = {}) {
  return { [`${kind}.${name}`]: { addr: { kind, name }, provider, attrs } };
}

function writeState(rel: string, ...entries: Record<string, unknown>[]): void {
  t.ws.write(rel, `${JSON.stringify({ version: 1, resources: Object.assign({}, ...entries) }, null, 2)}\n`);
}

describe('state list and show', { timeout: 30_000 }, () => {
  it('list and show what an apply recorded', async () => {
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}
resource "ssh_file" "motd" {
  host    = host.box.addr
  path    = "@HOST@/motd"
  content = "hi\\n"
}

resource "ssh_exec" "hello" {
  host    = host.box.addr
  command = "echo hello"
}
`,
    );
    expectExit(await t.ws.run(['apply', '-y']), 0);
    const list = await t.ws.run(['state', 'list']);
    expectExit(list, 0);
    const show = await t.ws.run(['state', 'show', 'ssh_exec.hello']);
    expectExit(show, 0);
    expectGolden('state-list-show', t.ws, list, show);
    expect(JSON.parse(show.stdout)).toEqual({
      addr: { kind: 'ssh_exec', name: 'hello' },
      provider: 'ssh',
      attrs: { host: 'root@127.0.0.1', command: 'echo hello', stdout: 'hello\n', stderr: '', exit_code: 0 },
    });
    expectMatchesSchema('state-resource', JSON.parse(show.stdout));
    const pull = await t.ws.run(['state', 'pull']);
    expectExit(pull, 0);
    expectMatchesSchema('state', JSON.parse(pull.stdout));
    expectMatchesSchema('state', JSON.parse(t.ws.read('.stratum/state.json')));

    const listJson = await t.ws.run(['state', 'list', '--json']);
    expectExit(listJson, 0);
    const listed = JSON.parse(listJson.stdout);
    expectMatchesSchema('state-list', listed);
    expect(listed).toEqual({
      format_version: 1,
      state: '.stratum/state.json',
      resources: [
        { address: 'ssh_exec.hello', kind: 'ssh_exec', name: 'hello', provider: 'ssh' },
        { address: 'ssh_file.motd', kind: 'ssh_file', name: 'motd', provider: 'ssh' },
      ],
    });
    const mv = await t.ws.run(['state', 'mv', 'ssh_exec.hello', 'ssh_exec.greet', '--json']);
    expectExit(mv, 0);
    expectMatchesSchema('state-mv', JSON.parse(mv.stdout));
    expect(JSON.parse(mv.stdout).moved).toEqual({ from: 'ssh_exec.hello', to: 'ssh_exec.greet' });
    const same = await t.ws.run(['state', 'mv', 'ssh_exec.greet', 'ssh_exec.greet', '--json']);
    expectMatchesSchema('state-mv', JSON.parse(same.stdout));
    expect(JSON.parse(same.stdout).moved).toBeNull();
    const rm = await t.ws.run(['state', 'rm', 'ssh_exec.greet', 'ssh_file.motd', '--json']);
    expectExit(rm, 0);
    expectMatchesSchema('state-rm', JSON.parse(rm.stdout));
    expect(JSON.parse(rm.stdout)).toEqual({
      format_version: 1,
      state: '.stratum/state.json',
      removed: ['ssh_exec.greet', 'ssh_file.motd'],
    });
    expect(JSON.parse((await t.ws.run(['state', 'list', '--json'])).stdout).resources).toEqual([]);
  });

  it('an empty state file lists as (empty state), a missing one is an error; -p picks the file', async () => {
    const missing = await t.ws.run(['state', 'list']);
    expectExit(missing, 1);
    expect(missing.stderr).toMatch(/^Error: no state file at \.stratum\/state\.json\n/);
    writeState('infra-state.json', entry('system_dir', 'srv', 'system'));
    const other = await t.ws.run(['state', 'list', '--path', 'infra-state.json']);
    expectExit(other, 0);
    expect(other.stdout).toBe('system_dir.srv [system]\n');
    writeState('empty.json');
    const empty = await t.ws.run(['state', 'list', '-p', 'empty.json']);
    expect(empty.stdout).toBe('(empty state)\n');
  });

  it('show: not found, a malformed address, and a corrupt file', async () => {
    writeState('.stratum/state.json', entry('system_dir', 'srv', 'system'));
    const notFound = await t.ws.run(['state', 'show', 'system_dir.nope']);
    expectExit(notFound, 1);
    const badAddr = await t.ws.run(['state', 'show', 'nodot']);
    expectExit(badAddr, 1);
    t.ws.write('broken.json', '[]');
    const corrupt = await t.ws.run(['state', 'show', 'system_dir.srv', '-p', 'broken.json']);
    expectExit(corrupt, 1);
    const noSub = await t.ws.run(['state']);
    expectExit(noSub, 1);
    expectGolden('state-show-errors', t.ws, notFound, badAddr, corrupt, noSub);
  });
});

describe('state commands on an apply that did not end', { timeout: 30_000 }, () => {
  /** What an apply killed after three steps leaves: the file its first step wrote, and the journal of the rest. */
  function killedApply(): void {
    writeState('.stratum/state.json', entry('system_dir', 'srv', 'system'), entry('ssh_exec', 'old', 'ssh'));
    const base = createHash('sha256').update(t.ws.read('.stratum/state.json')).digest('hex');
    t.ws.write(
      '.stratum/state.json.journal',
      [
        { stratum_journal: 1, base: `sha256:${base}` },
        {
          put: 'ssh_file.motd',
          entry: { addr: { kind: 'ssh_file', name: 'motd' }, provider: 'ssh', attrs: { path: '/etc/motd' } },
        },
        { delete: 'ssh_exec.old' },
      ]
        .map((record) => `${JSON.stringify(record)}\n`)
        .join('') + '{"put":"ssh_file.tor', // the append the kill cut off
    );
  }

  it('list, show and merge see the finished steps the journal holds', async () => {
    killedApply();
    const list = await t.ws.run(['state', 'list']);
    expectExit(list, 0);
    expect(list.stdout).toBe('ssh_file.motd [ssh]\nsystem_dir.srv [system]\n');
    const show = await t.ws.run(['state', 'show', 'ssh_file.motd']);
    expectExit(show, 0);
    expect(JSON.parse(show.stdout)).toEqual({
      addr: { kind: 'ssh_file', name: 'motd' },
      provider: 'ssh',
      attrs: { path: '/etc/motd' },
    });
    writeState('other.json', entry('ssh_exec', 'boot', 'ssh'));
    expectExit(await t.ws.run(['state', 'merge', '-o', 'all.json', '.stratum/state.json', 'other.json']), 0);
    expect((await t.ws.run(['state', 'list', '-p', 'all.json'])).stdout).toBe(
      'ssh_exec.boot [ssh]\nssh_file.motd [ssh]\nsystem_dir.srv [system]\n',
    );
  });

  it('refuses a journal that does not belong to the state file, saying what to do', async () => {
    killedApply();
    writeState('.stratum/state.json', entry('system_dir', 'restored', 'system'));
    const list = await t.ws.run(['state', 'list']);
    expectExit(list, 1);
    expect(list.stderr).toMatch(
      /^Error: state journal \S*\.stratum\/state\.json\.journal continues a state file with digest sha256:[0-9a-f]{12}…, but \S*state\.json is another file \(sha256:[0-9a-f]{12}…\) \[StateJournalMismatch\]\n/,
    );
    expect(list.stderr).toMatch(/to drop them, remove \S*state\.json\.journal/);
  });
});

describe('state merge', { timeout: 30_000 }, () => {
  it('merges two files into a new one', async () => {
    writeState('.stratum/infra.json', entry('system_dir', 'srv', 'system'), entry('ssh_exec', 'boot', 'ssh'));
    writeState('.stratum/app.json', entry('ssh_file', 'motd', 'ssh'));
    const merge = await t.ws.run([
      'state',
      'merge',
      '-o',
      '.stratum/host.json',
      '.stratum/infra.json',
      '.stratum/app.json',
    ]);
    expectExit(merge, 0);
    expect(merge.stdout).toBe('merged 2 state files into .stratum/host.json (3 resources)\n');
    const list = await t.ws.run(['state', 'list', '-p', '.stratum/host.json']);
    expect(list.stdout).toBe('ssh_exec.boot [ssh]\nssh_file.motd [ssh]\nsystem_dir.srv [system]\n');
  });

  it('refuses an existing output, a key in two inputs, and a single input', async () => {
    writeState('a.json', entry('system_dir', 'srv', 'system'));
    writeState('b.json', entry('system_dir', 'srv', 'system', { path: '/other' }));
    writeState('out.json', entry('ssh_file', 'keep', 'ssh'));
    const before = t.ws.read('out.json');

    const exists = await t.ws.run(['state', 'merge', '-o', 'out.json', 'a.json', 'b.json']);
    expectExit(exists, 1);
    const duplicate = await t.ws.run(['state', 'merge', '-o', 'new.json', 'a.json', 'b.json']);
    expectExit(duplicate, 1);
    const single = await t.ws.run(['state', 'merge', '-o', 'new.json', 'a.json']);
    expectExit(single, 1);
    const missingInput = await t.ws.run(['state', 'merge', '-o', 'new.json', 'a.json', 'nope.json']);
    expectExit(missingInput, 1);
    const noOut = await t.ws.run(['state', 'merge', 'a.json', 'b.json']);
    expectExit(noOut, 1);
    expectGolden('state-merge-errors', t.ws, exists, duplicate, single, missingInput, noOut);

    expect(t.ws.read('out.json')).toBe(before);
    expect(t.ws.exists('new.json')).toBe(false);
  });
});
