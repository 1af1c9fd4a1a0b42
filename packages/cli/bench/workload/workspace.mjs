/**
 * A bench workspace: one temp directory holding the config (`work/`, the
 * child's cwd), a HOME whose ~/.ssh/config reaches the loopback sshd, and
 * `target/`, the only place the configs touch on "the host" (this machine).
 * Laid out as the CLI's e2e harness does it (src/__tests__/harness.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Temp dirs still to remove; `removeAll` runs on exit and on ctrl-c (see workload.mjs). */
const created = new Set();

export function removeAllWorkspaces() {
  for (const root of created) rmSync(root, { recursive: true, force: true });
  created.clear();
}

/**
 * Creates the workspace for `sshd` (a testkit LoopbackSshd). known_hosts is
 * written up front, so no run pays for (or races on) the first-connect write.
 */
export function createWorkspace(sshd, label) {
  const root = mkdtempSync(join(tmpdir(), `stratum-bench-${label}-`));
  created.add(root);
  const ws = {
    root,
    dir: join(root, 'work'),
    home: join(root, 'home'),
    target: join(root, 'target'),
    statePath: join(root, 'work', '.stratum', 'state.json'),
    /** Writes the generated config and its local files below `dir`. */
    writeConfig({ strat, localFiles }) {
      writeFileSync(join(ws.dir, 'stratum.strat'), strat);
      for (const [rel, content] of localFiles) {
        const path = join(ws.dir, rel);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, content);
      }
    },
    /** Back to an empty target and no state: what a first apply starts from. */
    reset() {
      rmSync(ws.target, { recursive: true, force: true });
      rmSync(join(ws.dir, '.stratum'), { recursive: true, force: true });
      mkdirSync(ws.target, { recursive: true });
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
      created.delete(root);
    },
  };
  mkdirSync(ws.dir, { recursive: true });
  mkdirSync(ws.target, { recursive: true });
  const ssh = join(ws.home, '.ssh');
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  const knownHosts = join(ssh, 'known_hosts');
  const [type, key] = readFileSync(`${sshd.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/);
  writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${type} ${key}\n`, { mode: 0o600 });
  writeFileSync(
    join(ssh, 'config'),
    [
      'Host 127.0.0.1',
      `  Port ${sshd.port}`,
      '  User root',
      `  IdentityFile ${sshd.clientKeyPath}`,
      `  UserKnownHostsFile ${knownHosts}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return ws;
}
