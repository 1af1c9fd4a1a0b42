import { shellQuote } from '@stratum/core';
import { SshError } from './errors';
import type { ResolvedTarget } from './ssh-config';

/**
 * Privilege escalation for hosts whose block says `sudo = true`: the login
 * user (`ubuntu`, `admin`, `ec2-user`) runs every command as root through
 * `sudo -n`, or as the block's `sudo_user` (`sudo -n -u postgres`). `-n`
 * because nobody is there to type a password: sudo fails at once instead of
 * waiting on a prompt. The command is handed to the login user's own shell
 * (`$SHELL`, as sshd would run it for root), so a command behaves the same with
 * or without sudo; stdin passes through sudo untouched, so secret files still
 * travel over stdin.
 */
export function viaSudo(command: string, sudoUser?: string): string {
  return `${sudoPrefix(sudoUser)} -- "\${SHELL:-/bin/sh}" -c ${shellQuote(command)}`;
}

/** Run once per target before its first command: proves sudo works, so a refusal comes before any step. */
export function sudoCheck(sudoUser?: string): string {
  return `${sudoPrefix(sudoUser)} true`;
}

function sudoPrefix(sudoUser: string | undefined): string {
  return sudoUser === undefined ? 'sudo -n' : `sudo -n -u ${shellQuote(sudoUser)}`;
}

/** The error for a failed {@link sudoCheck}: what went wrong, on which host, as whom, and what to configure. */
export function sudoFailed(target: ResolvedTarget, exitCode: number, stderr: string): SshError<'SudoFailed'> {
  const { user, sudoUser } = target;
  const as = sudoUser ?? 'root';
  const said = stderr.trim().split('\n')[0] ?? '';
  const why =
    exitCode === 127 || /not found/.test(said)
      ? 'sudo is not installed'
      : /unknown user/.test(said)
        ? `there is no user ${as}`
        : /password is required|terminal is required|askpass/.test(said)
          ? `sudo asks ${user} for a password`
          : /not in the sudoers|not allowed|may not run/.test(said)
            ? `${user} may not use sudo${sudoUser === undefined ? '' : ` to run commands as ${as}`}`
            : `\`${sudoCheck(sudoUser)}\` failed (exit ${exitCode}${said === '' ? '' : `: ${said}`})`;
  const setting = sudoUser === undefined ? 'sudo = true' : `sudo = true and sudo_user = "${sudoUser}"`;
  return new SshError('SudoFailed', `ssh: host ${target.key} has ${setting}, but ${why}`, {
    target: target.key,
    hint:
      `let ${user} run commands as ${as} without a password (a line \`${user} ALL=(${sudoUser ?? 'ALL'}) NOPASSWD: ALL\` ` +
      `in /etc/sudoers.d/${user}, edited with visudo), or connect as ${as} and remove \`sudo = true\``,
  });
}
