/**
 * A root shell script for a droplet that adds a login user the way cloud
 * images ship one (`ubuntu`, `admin`): root's authorized key, a home, and sudo,
 * passwordless unless `needsPassword`. Run it with `droplet.exec`.
 */
export function addSudoUserScript(user: string, options: { needsPassword?: boolean } = {}): string {
  if (!/^[a-z_][a-z0-9_-]*$/.test(user)) throw new RangeError(`not a plain user name: ${user}`);
  const rule = options.needsPassword ? `${user} ALL=(ALL) ALL` : `${user} ALL=(ALL) NOPASSWD: ALL`;
  return [
    'set -e',
    `useradd -m -s /bin/bash ${user}`,
    `install -d -m 700 -o ${user} -g ${user} /home/${user}/.ssh`,
    `install -m 600 -o ${user} -g ${user} /root/.ssh/authorized_keys /home/${user}/.ssh/authorized_keys`,
    `echo '${rule}' > /etc/sudoers.d/${user}`,
    `chmod 440 /etc/sudoers.d/${user}`,
  ].join('\n');
}

/** The script that makes sshd refuse root logins (sshd takes the first value it reads; sshd_config.d comes first). */
export const REFUSE_ROOT_LOGIN = [
  "echo 'PermitRootLogin no' > /etc/ssh/sshd_config.d/00-no-root.conf",
  'systemctl reload ssh',
].join('\n');
