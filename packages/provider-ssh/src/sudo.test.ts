import { spawnSync } from 'node:child_process';
import { shellQuote } from '@stratum/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResolvedTarget } from './ssh-config';
import { sudoCheck, sudoFailed, viaSudo } from './sudo';

const target = { user: 'deploy', key: 'deploy@10.0.0.5:22' } as ResolvedTarget;

describe('viaSudo', () => {
  it('hands the command, byte for byte, to the login shell under sudo -n', () => {
    // A stand-in `sudo` that drops its options and runs the rest, so the real /bin/sh
    // parses exactly what the host's shell would.
    const fakeSudo = 'sudo() { while [ "$1" != "--" ]; do shift; done; shift; "$@"; }';
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\0')),
        (text) => {
          const command = `printf '%s' ${JSON.stringify('')} && cat <<'EOF_STRATUM'\n${text.replaceAll('EOF_STRATUM', '')}\nEOF_STRATUM`;
          const direct = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
          const wrapped = spawnSync('sh', ['-c', `${fakeSudo}\n${viaSudo(command)}`], {
            encoding: 'utf8',
            env: { SHELL: '/bin/sh', PATH: process.env.PATH },
          });
          expect(wrapped.stdout).toBe(direct.stdout);
          expect(wrapped.status).toBe(direct.status);
        },
      ),
      { numRuns: 50 },
    );
    expect(viaSudo("echo 'hi'")).toBe(`sudo -n -- "\${SHELL:-/bin/sh}" -c 'echo '\\''hi'\\'''`);
    // As another user: sudo's -u, the rest the same.
    expect(viaSudo('id -un', 'postgres')).toBe(
      `sudo -n -u ${shellQuote('postgres')} -- "\${SHELL:-/bin/sh}" -c ${shellQuote('id -un')}`,
    );
    expect(sudoCheck()).toBe('sudo -n true');
    expect(sudoCheck('postgres')).toBe(`sudo -n -u ${shellQuote('postgres')} true`);
  });

  it('keeps stdin for the command', () => {
    const fakeSudo = 'sudo() { while [ "$1" != "--" ]; do shift; done; shift; "$@"; }';
    const run = spawnSync('sh', ['-c', `${fakeSudo}\n${viaSudo('wc -c')}`], {
      input: 'x'.repeat(100_000),
      encoding: 'utf8',
      env: { SHELL: '/bin/sh', PATH: process.env.PATH },
    });
    expect(run.stdout.trim()).toBe('100000');
  });
});

describe('sudoFailed', () => {
  it.each([
    [1, 'sudo: a password is required\n', 'sudo asks deploy for a password'],
    [
      1,
      'sudo: a terminal is required to read the password; either use the -S option ...\n',
      'sudo asks deploy for a password',
    ],
    [1, 'deploy is not in the sudoers file.  This incident will be reported.\n', 'deploy may not use sudo'],
    [
      1,
      "Sorry, user deploy is not allowed to execute '/usr/bin/true' as root on web.\n",
      'deploy may not use sudo',
    ],
    [127, 'bash: line 1: sudo: command not found\n', 'sudo is not installed'],
    [2, 'sudo: something else\n', '`sudo -n true` failed (exit 2: sudo: something else)'],
  ])('exit %i with %j says: %s', (exitCode, stderr, why) => {
    const error = sudoFailed(target, exitCode, stderr);
    expect(error.code).toBe('SudoFailed');
    expect(error.message).toBe(`ssh: host deploy@10.0.0.5:22 has sudo = true, but ${why}`);
    expect(error.hint).toContain('deploy ALL=(ALL) NOPASSWD: ALL');
    expect(error.hint).toContain('/etc/sudoers.d/deploy');
  });
});

describe('sudoFailed with a sudo_user', () => {
  const asPostgres = { ...target, sudoUser: 'postgres' } as ResolvedTarget;

  it.each([
    [1, 'sudo: unknown user postgres\n', 'there is no user postgres'],
    [
      1,
      "Sorry, user deploy is not allowed to execute '/usr/bin/true' as postgres on web.\n",
      'deploy may not use sudo to run commands as postgres',
    ],
    [1, 'sudo: a password is required\n', 'sudo asks deploy for a password'],
  ])('exit %i with %j says: %s', (exitCode, stderr, why) => {
    const error = sudoFailed(asPostgres, exitCode, stderr);
    expect(error.message).toBe(
      `ssh: host deploy@10.0.0.5:22 has sudo = true and sudo_user = "postgres", but ${why}`,
    );
    expect(error.hint).toContain('let deploy run commands as postgres without a password');
    expect(error.hint).toContain('deploy ALL=(postgres) NOPASSWD: ALL');
  });
});
