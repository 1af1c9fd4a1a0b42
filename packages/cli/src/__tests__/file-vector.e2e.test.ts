import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectExit, hostBlock, useWorkspacePerTest } from './harness';

/**
 * Many `system_file`s of one host are written by one tar stream (the kind's
 * vector writer), on the real loopback sshd. What lands must be exactly what
 * one `install` per file would have left — modes (set-id bits too), owners by
 * name and by id, a symlink at the path replaced — and where the write cannot
 * vouch for a file, that file's own `install` runs and fails with its own
 * message, at its turn.
 */

const t = useWorkspacePerTest();

const file = (name: string, rel: string, extra = '') => `
resource "system_file" "${name}" {
  host    = host.box.addr
  path    = "@HOST@/${rel}"
  content = "content of ${name}\\n"
${extra}}
`;

/** The addresses `state list` prints, one per line, without the provider. */
const addrs = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[0]);

const modeOf = (path: string) => statSync(path).mode & 0o7777;

describe('system_file steps written together', { timeout: 90_000 }, () => {
  it('land exactly as one install each would: modes, owners, new directories, a symlink replaced', async () => {
    mkdirSync(t.ws.hostPath('etc'), { recursive: true });
    writeFileSync(t.ws.hostPath('elsewhere'), 'not to be touched\n');
    symlinkSync(t.ws.hostPath('elsewhere'), t.ws.hostPath('etc/linked.conf'));
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}${[
        file('a_plain', 'etc/plain.conf'),
        file('b_deep', 'new/deeper/still/deep.conf'),
        file('c_private', 'etc/private.key', '  mode = "0600"\n'),
        file('d_setuid', 'bin/tool', '  mode = "4755"\n'),
        file('e_nobody', 'etc/nobody.conf', '  owner = "nobody"\n  group = "nogroup"\n'),
        file('f_numeric', 'etc/numeric.conf', '  owner = "65534"\n  group = "65534"\n  mode = "640"\n'),
        file('g_linked', 'etc/linked.conf'),
      ].join('')}`,
    );
    const apply = await t.ws.run(['apply', '-y', '--verbose']);
    expectExit(apply, 0);
    expect(apply.stderr).toContain('root@127.0.0.1: 7 steps in one write, 7 done by it');
    // Still one line per step, in plan order.
    const done = apply.stderr.split('\n').filter((l) => l.startsWith('[apply] + '));
    expect(done.map((l) => l.split(' ')[2])).toEqual([
      'system_file.a_plain',
      'system_file.b_deep',
      'system_file.c_private',
      'system_file.d_setuid',
      'system_file.e_nobody',
      'system_file.f_numeric',
      'system_file.g_linked',
    ]);
    expect(readFileSync(t.ws.hostPath('new/deeper/still/deep.conf'), 'utf8')).toBe('content of b_deep\n');
    expect(modeOf(t.ws.hostPath('new/deeper'))).toBe(0o755);
    expect(modeOf(t.ws.hostPath('etc/plain.conf'))).toBe(0o644);
    expect(modeOf(t.ws.hostPath('etc/private.key'))).toBe(0o600);
    expect(modeOf(t.ws.hostPath('bin/tool'))).toBe(0o4755);
    const nobody = statSync(t.ws.hostPath('etc/nobody.conf'));
    expect([nobody.uid, nobody.gid]).toEqual([65534, 65534]);
    expect(statSync(t.ws.hostPath('etc/numeric.conf')).uid).toBe(65534);
    expect(modeOf(t.ws.hostPath('etc/numeric.conf'))).toBe(0o640);
    expect(lstatSync(t.ws.hostPath('etc/linked.conf')).isFile()).toBe(true);
    expect(readFileSync(t.ws.hostPath('elsewhere'), 'utf8')).toBe('not to be touched\n');

    // The host holds what state says: a refresh finds nothing to do.
    expectExit(await t.ws.run(['plan', '--refresh', '--detailed-exitcode']), 0);
  });

  it('an unknown owner: nothing is written by the batch, the file fails with install’s own message at its turn', async () => {
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}${[
        file('a_first', 'first.conf'),
        file('b_ghost', 'ghost.conf', '  owner = "no-such-user-5f1c"\n'),
        file('c_after', 'after.conf'),
      ].join('')}`,
    );
    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 1);
    expect(apply.stderr + apply.stdout).toContain('no-such-user-5f1c');
    expect(readFileSync(t.ws.hostPath('first.conf'), 'utf8')).toBe('content of a_first\n');
    // install refuses before creating the file, and the apply stops there.
    expect(existsSync(t.ws.hostPath('ghost.conf'))).toBe(false);
    expect(existsSync(t.ws.hostPath('after.conf'))).toBe(false);
    const list = await t.ws.run(['state', 'list']);
    expect(addrs(list.stdout)).toEqual(['system_file.a_first']);
  });

  it('a file in the way of a parent directory fails that file alone; a later file the write did is recorded, and the next plan shows only the failed one', async () => {
    writeFileSync(t.ws.hostPath('plain'), 'a file, not a directory\n');
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}${[
        file('a_first', 'first.conf'),
        file('b_blocked', 'plain/inside.conf'),
        file('c_after', 'after.conf'),
      ].join('')}`,
    );
    const apply = await t.ws.run(['apply', '-y', '--verbose']);
    expectExit(apply, 1);
    expect(apply.stderr).toContain('root@127.0.0.1: 3 steps in one write, 2 done by it');
    expect(apply.stderr).toContain('system_file.b_blocked');
    expect(readFileSync(t.ws.hostPath('plain'), 'utf8')).toBe('a file, not a directory\n');
    expect(readFileSync(t.ws.hostPath('after.conf'), 'utf8')).toBe('content of c_after\n');
    const list = await t.ws.run(['state', 'list']);
    expect(addrs(list.stdout)).toEqual(['system_file.a_first', 'system_file.c_after']);
    const plan = await t.ws.run(['plan']);
    expectExit(plan, 0);
    expect(plan.stdout).toContain('1 create, 0 update, 0 delete, 2 no-op');
  });

  it('a directory at the path is refused as install refuses it, and left alone', async () => {
    mkdirSync(t.ws.hostPath('in-the-way.conf'));
    t.ws.write(
      'stratum.strat',
      `${hostBlock('box')}${[file('a_first', 'first.conf'), file('b_dir', 'in-the-way.conf'), file('c_after', 'after.conf')].join('')}`,
    );
    const apply = await t.ws.run(['apply', '-y']);
    expectExit(apply, 1);
    expect(apply.stderr).toContain('cannot overwrite directory');
    expect(statSync(t.ws.hostPath('in-the-way.conf')).isDirectory()).toBe(true);
    expect(readdirSync(t.ws.hostPath('in-the-way.conf'))).toEqual([]);
    expect(existsSync(t.ws.hostPath('after.conf'))).toBe(false);
  });
});
