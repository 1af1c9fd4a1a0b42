// biome-ignore-all lint/suspicious/noTemplateCurlyInString: .strat sources hold ${...} interpolations
import { describe, expect, it } from 'vitest';
import { expectConfigError, strat } from '../__tests__/config-error';
import { loadStr } from '../load';

describe('host blocks', () => {
  it('evaluates hosts with any attributes, readable by reference (the spec example)', () => {
    const out = loadStr(
      strat(
        'host "prod" { addr = "root@192.0.2.10" }',
        'host "staging" { addr = "root@5.6.7.8" }',
        'resource "ssh_exec" "uptime_prod" {',
        '  host = host.prod.addr',
        '  command = "uptime"',
        '}',
        'resource "ssh_exec" "uptime_staging" {',
        '  host = host.staging.addr',
        '  command = "uptime"',
        '}',
      ),
      { file: 'hosts.strat' },
    );
    expect(out.hosts).toEqual([
      {
        name: 'prod',
        attrs: { addr: 'root@192.0.2.10' },
        file: 'hosts.strat',
        location: { file: 'hosts.strat', line: 1, column: 1 },
      },
      {
        name: 'staging',
        attrs: { addr: 'root@5.6.7.8' },
        file: 'hosts.strat',
        location: { file: 'hosts.strat', line: 2, column: 1 },
      },
    ]);
    const user = out.resources.filter((r) => !r.addr.name.startsWith('_stratum_'));
    expect(user.map((r) => r.attrs.host)).toEqual(['root@192.0.2.10', 'root@5.6.7.8']);
  });

  it('folds nested blocks in a host body', () => {
    const out = loadStr(strat('host "h" {', '  addr = "a"', '  labels "x" { k = "v" }', '}'));
    expect(out.hosts[0]?.attrs).toEqual({ addr: 'a', labels_x: { k: 'v' } });
  });

  it.each([
    ['a bare reference', '  addr = host.staging.addr', 10],
    ['a reference inside ${...}', '  addr = "root@${host.staging.ip}"', 18],
    ['a reference in a list', '  tags = ["a", secret.s.value]', 16],
    ['a reference in a nested block', '  ssh { user = host.x.y }', 16],
  ])('refuses %s: hosts are literal-only', (_what, line, column) => {
    expectConfigError(() => loadStr(strat('host "staging" { ip = "5.6.7.8" }', 'host "prod" {', line, '}')), {
      code: 'RefInHostBlock',
      message: 'references not allowed inside host blocks',
      line: 3,
      column,
    });
  });

  it.each([
    ['no label', 'host {\n}', 'host block needs exactly 1 label, found 0', 1, 1],
    ['two labels', 'host "a" "b" {\n}', 'host block needs exactly 1 label, found 2', 1, 10],
  ])('rejects %s', (_what, source, message, line, column) => {
    expectConfigError(() => loadStr(source), { code: 'BadBlockLabels', message, line, column });
  });

  it('rejects a host declared twice in one input, naming both lines', () => {
    expectConfigError(
      () =>
        loadStr(strat('host "primary" { addr = "a" }', '', 'host "primary" { addr = "b" }'), {
          file: 'hosts.strat',
        }),
      {
        code: 'DuplicateHost',
        message: 'duplicate host `primary`: defined in hosts.strat:1 and hosts.strat:3',
        line: 3,
        column: 6,
      },
    );
  });

  it('names anonymous input <input> in duplicate messages', () => {
    expectConfigError(() => loadStr(strat('host "a" {}', 'host "a" {}')), {
      code: 'DuplicateHost',
      message: 'duplicate host `a`: defined in <input>:1 and <input>:2',
    });
  });
});

describe('host `tuning`', () => {
  it('accepts true and false and keeps the attribute readable by reference', () => {
    const out = loadStr(
      strat(
        'host "a" {',
        '  addr = "root@a"',
        '  tuning = false',
        '}',
        'resource "ssh_exec" "x" {',
        '  command = "echo ${host.a.tuning}"',
        '}',
      ),
    );
    expect(out.hosts[0]?.attrs.tuning).toBe(false);
    expect(out.resources.at(-1)?.attrs.command).toBe('echo false');
  });

  it.each([
    ['a string', '"no"'],
    ['a number', '0'],
    ['a list', '[]'],
  ])('rejects %s', (what, value) => {
    expectConfigError(() => loadStr(strat('host "a" {', '  addr = "root@a"', `  tuning = ${value}`, '}')), {
      code: 'BadHostTuning',
      message: `host \`a\`: \`tuning\` must be true or false, found ${what}`,
      line: 3,
      column: 3,
    });
  });
});

describe('one addr, one host', () => {
  it('refuses two blocks that share an addr but connect to different ports, naming both', () => {
    const err = expectConfigError(
      () =>
        loadStr(
          strat(
            'host "a" {',
            '  addr = "root@127.0.0.1"',
            '  port = 22392',
            '}',
            'host "b" {',
            '  addr = "root@127.0.0.1"',
            '  port = 22399',
            '}',
          ),
          { file: 'hosts.strat' },
        ),
      {
        code: 'AmbiguousHostAddr',
        message:
          'hosts `a` (hosts.strat:1) and `b` share addr `root@127.0.0.1` but connect differently (port 22392 vs port 22399)',
        line: 6,
        column: 3,
      },
    );
    expect(err.hint).toContain('ssh config alias');
  });

  it('refuses a port on one block and none on the other', () => {
    expectConfigError(
      () =>
        loadStr(
          strat('host "a" { addr = "root@h" }', 'host "b" {', '  addr = "root@h"', '  port = 2222', '}'),
        ),
      { code: 'AmbiguousHostAddr', message: /\(no port vs port 2222\)/ },
    );
  });

  it('accepts two blocks with the same addr and the same port, and different addrs with different ports', () => {
    const same = loadStr(
      strat(
        'host "a" {',
        '  addr = "root@h"',
        '  port = 2222',
        '}',
        'host "b" {',
        '  addr = "root@h"',
        '  port = 2222',
        '}',
      ),
    );
    expect(same.hosts.map((h) => h.name)).toEqual(['a', 'b']);
    const other = loadStr(
      strat(
        'host "a" {',
        '  addr = "root@h1"',
        '  port = 2222',
        '}',
        'host "b" {',
        '  addr = "root@h2"',
        '  port = 22',
        '}',
      ),
    );
    expect(other.hosts).toHaveLength(2);
  });
});

describe('addr as people write it', () => {
  const hostWith = (addr: string) => strat('host "web" {', `  addr = "${addr}"`, '}');

  it.each([
    ['root@10.0.0.5:2222', 'write `addr = "root@10.0.0.5"` and `port = 2222` in the host block'],
    ['web.example:22', 'write `addr = "web.example"` and `port = 22` in the host block'],
    ['admin@[2001:db8::1]:2222', 'write `addr = "admin@[2001:db8::1]"` and `port = 2222` in the host block'],
  ])('refuses a port inside addr (%s), with the port attribute to use', (addr, hint) => {
    const err = expectConfigError(() => loadStr(hostWith(addr), { file: 'hosts.strat' }), {
      code: 'BadHostAddr',
      message: `host \`web\`: addr \`${addr}\` holds a port`,
      line: 2,
      column: 3,
    });
    expect(err.hint).toBe(hint);
  });

  it.each([
    ['root@', 'names no host after the user'],
    ['root@[web]', 'has a `[` that does not enclose an IPv6 address'],
    ['root@[::1', 'has a `[` that does not enclose an IPv6 address'],
    ['root@web host', 'is not a host name or address'],
  ])('refuses %s', (addr, problem) => {
    expectConfigError(() => loadStr(hostWith(addr)), {
      code: 'BadHostAddr',
      message: `host \`web\`: addr \`${addr}\` ${problem}`,
    });
  });

  it.each([
    'root@192.0.2.10',
    'root@[2001:db8::1]',
    'root@2001:db8::1',
    '[::1]',
    'deploy@web-1.example.com',
    'user@corp@bastion-alias',
    'prod-alias',
  ])('accepts %s', (addr) => {
    expect(loadStr(hostWith(addr)).hosts[0]!.attrs.addr).toBe(addr);
  });
});

describe('sudo', () => {
  it('accepts true and false and keeps the attribute', () => {
    for (const value of [true, false]) {
      const out = loadStr(strat('host "web" {', '  addr = "deploy@web"', `  sudo = ${value}`, '}'));
      expect(out.hosts[0]!.attrs.sudo).toBe(value);
    }
  });

  it('refuses anything but a bool, at the attribute', () => {
    const err = expectConfigError(
      () => loadStr(strat('host "web" {', '  addr = "deploy@web"', '  sudo = "yes"', '}')),
      {
        code: 'BadHostSudo',
        message: 'host `web`: `sudo` must be true or false, found a string',
        line: 3,
        column: 3,
      },
    );
    expect(err.hint).toContain('passwordless sudo');
  });

  it('refuses two blocks with one addr where only one uses sudo', () => {
    expectConfigError(
      () =>
        loadStr(
          strat(
            'host "a" { addr = "deploy@web" }',
            'host "b" {',
            '  addr = "deploy@web"',
            '  sudo = true',
            '}',
          ),
        ),
      { code: 'AmbiguousHostAddr', message: /\(no sudo vs sudo true\)/ },
    );
  });
});

describe('sudo_user', () => {
  const host = (...lines: string[]) => strat('host "db" {', '  addr = "deploy@db"', ...lines, '}');

  it('accepts a user name beside sudo = true and keeps it', () => {
    const out = loadStr(host('  sudo      = true', '  sudo_user = "postgres"'));
    expect(out.hosts[0]!.attrs.sudo_user).toBe('postgres');
  });

  it('refuses what is not a user name, at the attribute', () => {
    for (const [value, found] of [
      ['"post gres"', '"post gres"'],
      ['""', '""'],
      ['1', 'a number'],
    ]) {
      const err = expectConfigError(() => loadStr(host('  sudo      = true', `  sudo_user = ${value}`)), {
        code: 'BadHostSudoUser',
        message: `host \`db\`: \`sudo_user\` must be a user name, found ${found}`,
        line: 4,
        column: 3,
      });
      expect(err.hint).toContain('sudo_user = "postgres"');
    }
  });

  it('refuses sudo_user without sudo = true', () => {
    for (const sudo of [[], ['  sudo      = false']]) {
      const err = expectConfigError(() => loadStr(host(...sudo, '  sudo_user = "postgres"')), {
        code: 'BadHostSudoUser',
        message: 'host `db`: `sudo_user` needs `sudo = true`',
      });
      expect(err.hint).toContain('add `sudo = true` to run commands on this host as postgres');
    }
  });

  it('refuses two blocks with one addr that sudo to different users', () => {
    expectConfigError(
      () =>
        loadStr(
          strat(
            'host "a" {\n  addr = "deploy@db"\n  sudo = true\n}',
            'host "b" {\n  addr = "deploy@db"\n  sudo = true\n  sudo_user = "postgres"\n}',
          ),
        ),
      { code: 'AmbiguousHostAddr', message: /\(no sudo_user vs sudo_user "postgres"\)/ },
    );
  });
});

describe('jump', () => {
  it('accepts one hop or a list of hops', () => {
    const one = loadStr(
      strat('host "db" {', '  addr = "admin@10.0.0.7"', '  jump = "ops@bastion:2222"', '}'),
    );
    expect(one.hosts[0]!.attrs.jump).toBe('ops@bastion:2222');
    const two = loadStr(
      strat(
        'host "db" {',
        '  addr = "admin@10.0.0.7"',
        '  jump = ["ops@outer", "inner", "me@[2001:db8::1]:22"]',
        '}',
      ),
    );
    expect(two.hosts[0]!.attrs.jump).toEqual(['ops@outer', 'inner', 'me@[2001:db8::1]:22']);
  });

  it.each([
    ['true', 'a bool'],
    ['[]', 'a list'],
    ['["ops@bastion:ssh"]', 'a list'],
    ['"ops@bas tion"', 'a string'],
  ])('refuses jump = %s', (value, found) => {
    const err = expectConfigError(
      () => loadStr(strat('host "db" {', '  addr = "admin@10.0.0.7"', `  jump = ${value}`, '}')),
      {
        code: 'BadHostJump',
        message: `host \`db\`: \`jump\` must be a jump host "user@host[:port]" or a list of them, found ${found}`,
        line: 3,
        column: 3,
      },
    );
    expect(err.hint).toContain('jump = "user@bastion:2222"');
  });
});
