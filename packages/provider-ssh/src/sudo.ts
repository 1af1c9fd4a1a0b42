import { shellQuote } from '@stratum/core';
import { SshError } from './errors';
import type { ResolvedTarget } from './ssh-config';

/**
 * Privilege escalation for hosts whose block says `sudo = true`: the login
 * user (`ubuntu`, `admin`, `ec2-user`) runs every command as root through
 * `sudo -n`. `-n` because nobody is there to type a password: sudo fails at
 * once instead of waiting on a prompt. The command is handed to the login
 * user's own shell (`$SHELL`, as sshd would run it for root), so a command
 * behaves the same with or without sudo; stdin passes through sudo untouched,
 * so secret files still travel over stdin.
 */
export function asRoot(command: string): string {
  return `sudo -n -- "\${SHELL:-/bin/sh}" -c ${shellQuote(command)}`;
}

/** Run once per target before its first command: proves sudo works, so a refusal comes before any step. */
export const SUDO_CHECK = 'sudo -n true';

/** The error for a failed {@link SUDO_CHECK}: what went wrong, on which host, as whom, and what to configure. */
export function sudoFailed(target: ResolvedTarget, exitCode: number, stderr: string): SshError<'SudoFailed'> {
  const user = target.user;
  const said = stderr.trim().split('\n')[0] ?? '';
  const why =
    exitCode === 127 || /not found/.test(said)
      ? 'sudo is not installed'
      : /password is required|terminal is required|askpass/.test(said)
        ? `sudo asks ${user} for a password`
        : /not in the sudoers|not allowed|may not run/.test(said)
          ? `${user} may not use sudo`
          : `\`sudo -n true\` failed (exit ${exitCode}${said === '' ? '' : `: ${said}`})`;
  return new SshError('SudoFailed', `ssh: host ${target.key} has sudo = true, but ${why}`, {
    target: target.key,
    hint:
      `let ${user} run commands as root without a password (a line \`${user} ALL=(ALL) NOPASSWD: ALL\` ` +
      `in /etc/sudoers.d/${user}, edited with visudo), or connect as root and remove \`sudo = true\``,
  });
}
