import { describe, expect, it } from 'vitest';
import { HOSTILE_VALUES, runWithStubs } from './__tests__/stub-shell';
import { aptInstallCommand, aptRemoveCommand, aptUpdateCommand } from './apt';
import { deleteExtraCommand, emptyDirCommand, removeDirCommand, uploadCommand } from './dir-kind';
import { installCommand, removeFileCommand } from './file-install';
import { fileVectorWriter } from './file-vector-write';
import {
  disableNowCommand,
  journalCommand,
  statusCommand,
  systemctlCommand,
  waitActiveCommand,
} from './service-commands';
import { ufwCommand, ufwDeleteCommand } from './ufw-rule-kind';

/** Every stub includes `touch`, so an injected `touch` would show up as an invocation. */
const STUBS = [
  'apt-get',
  'systemctl',
  'journalctl',
  'install',
  'rm',
  'mkdir',
  'tar',
  'chown',
  'find',
  'chmod',
  'ufw',
  'xargs',
  'getent',
  'touch',
];

function argvOf(command: string) {
  const run = runWithStubs(command, STUBS);
  expect(run.stderr).toBe('');
  return run.invocations;
}

describe('command builders run exactly the intended programs, whatever the values', () => {
  it.each(HOSTILE_VALUES)('apt-get install / remove with package %j', (name) => {
    expect(argvOf(aptInstallCommand(name))).toEqual([
      {
        program: 'apt-get',
        args: [
          '-y',
          '-o',
          'Dpkg::Options::=--force-confold',
          '-o',
          'DPkg::Lock::Timeout=600',
          'install',
          '--',
          name,
        ],
      },
    ]);
    expect(argvOf(aptRemoveCommand(name))).toEqual([
      {
        program: 'apt-get',
        args: [
          '-y',
          '-o',
          'Dpkg::Options::=--force-confold',
          '-o',
          'DPkg::Lock::Timeout=600',
          'remove',
          '--',
          name,
        ],
      },
    ]);
  });

  it('apt-get runs non-interactively', () => {
    expect(aptUpdateCommand()).toBe(
      'DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=600 update',
    );
    const run = runWithStubs(`${aptUpdateCommand()}; printf '%s' "$DEBIAN_FRONTEND" >&2`, STUBS);
    expect(run.invocations).toEqual([
      {
        program: 'apt-get',
        args: ['-y', '-o', 'Dpkg::Options::=--force-confold', '-o', 'DPkg::Lock::Timeout=600', 'update'],
      },
    ]);
    // The assignment applies to apt-get only, not to the rest of the shell.
    expect(run.stderr).toBe('');
  });

  it.each(HOSTILE_VALUES)('systemctl verbs, status and journal with unit %j', (unit) => {
    for (const verb of ['enable', 'disable', 'start', 'stop'] as const) {
      expect(argvOf(systemctlCommand(verb, unit))).toEqual([
        { program: 'systemctl', args: [verb, '--', unit] },
      ]);
    }
    expect(argvOf(disableNowCommand(unit))).toEqual([
      { program: 'systemctl', args: ['disable', '--now', '--', unit] },
    ]);
    expect(argvOf(statusCommand(unit))).toEqual([
      { program: 'systemctl', args: ['status', '--no-pager', '-n', '20', '--', unit] },
    ]);
    expect(argvOf(journalCommand(unit))).toEqual([
      { program: 'journalctl', args: ['-u', unit, '--no-pager', '-n', '50'] },
    ]);
  });

  it('the is-active wait stops at the first success, on the host', () => {
    // The stub systemctl exits 0, so the loop ends after one check without sleeping.
    const run = runWithStubs(waitActiveCommand("we'ird"), [...STUBS, 'sleep']);
    expect(run.exitCode).toBe(0);
    expect(run.invocations).toEqual([
      { program: 'systemctl', args: ['is-active', '--quiet', '--', "we'ird"] },
    ]);
  });

  it('the is-active wait gives up after the given number of seconds, saying so on stderr', () => {
    const run = runWithStubs(`systemctl() { return 3; }; ${waitActiveCommand("we'ird $(touch x)", 2)}`, [
      'sleep',
      'touch',
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe("we'ird $(touch x) was not active after 2s\n");
    expect(run.invocations).toEqual([
      { program: 'sleep', args: ['1'] },
      { program: 'sleep', args: ['1'] },
    ]);
  });

  it.each(HOSTILE_VALUES)('install and rm with path, owner and group %j', (value) => {
    const path = `/srv/${value}`;
    expect(argvOf(installCommand({ path, mode: '0640', owner: value, group: value }))).toEqual([
      { program: 'install', args: ['-D', '-T', '-m', '0640', '-o', value, '-g', value, '/dev/stdin', path] },
    ]);
    expect(argvOf(removeFileCommand(path))).toEqual([{ program: 'rm', args: ['-f', '--', path] }]);
    expect(argvOf(removeDirCommand(path))).toEqual([{ program: 'rm', args: ['-rf', '--', path] }]);
  });

  it.each(HOSTILE_VALUES)('the many-files write with path, owner, group and mode %j', (value) => {
    const file = { path: `/srv/${value}`, mode: value, owner: value, group: value, content: 'x\n' };
    const [write] = fileVectorWriter.commands('h', [file, { ...file, path: '/srv/other' }]);
    const programs = argvOf(write!.command);
    expect(programs.slice(0, 5)).toEqual([
      { program: 'getent', args: ['passwd', value] },
      { program: 'getent', args: ['group', value] },
      { program: 'tar', args: ['-x', '-P', '-p', '-m', '--no-same-owner', '-f', '-'] },
      { program: 'xargs', args: ['-0', '-r', 'chown', '--', `${value}:${value}`] },
      { program: 'xargs', args: ['-0', '-r', 'chmod', '--', value] },
    ]);
    // Then the read-back; nothing else, and never an injected program.
    expect(programs.slice(5).every((p) => p.program === 'xargs')).toBe(true);
  });

  it.each(HOSTILE_VALUES)('directory upload and empty-dir commands with path and owner %j', (value) => {
    const path = `/srv/${value}`;
    const attrs = { path, mode: '0644', dir_mode: '0755', owner: value, group: 'www' };
    expect(argvOf(uploadCommand(attrs))).toEqual([
      { program: 'mkdir', args: ['-p', '--', path] },
      { program: 'tar', args: ['-xzf', '-', '-C', path] },
      { program: 'chown', args: ['-R', '--', `${value}:www`, path] },
      {
        program: 'find',
        args: [path, '(', '-type', 'f', '-exec', 'chmod', '0644', '{}', '+', ')', '-o'].concat([
          '(',
          '-type',
          'd',
          '-exec',
          'chmod',
          '0755',
          '{}',
          '+',
          ')',
        ]),
      },
    ]);
    expect(argvOf(emptyDirCommand(attrs))).toEqual([
      { program: 'mkdir', args: ['-p', '--', path] },
      { program: 'chown', args: ['--', `${value}:www`, path] },
      { program: 'chmod', args: ['--', '0755', path] },
    ]);
  });

  it('removing extra files goes into the directory and takes the names from stdin', () => {
    const run = runWithStubs(deleteExtraCommand('/'), STUBS);
    expect(run.invocations).toEqual([{ program: 'xargs', args: ['-0', '-r', 'rm', '-f', '--'] }]);
  });

  it.each(HOSTILE_VALUES)('ufw with port %j', (port) => {
    expect(argvOf(ufwCommand('allow', port))).toEqual([{ program: 'ufw', args: ['allow', port] }]);
    expect(argvOf(ufwDeleteCommand('deny', port))).toEqual([
      { program: 'ufw', args: ['delete', 'deny', port] },
    ]);
  });
});
