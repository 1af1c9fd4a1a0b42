// A throwaway host for the examples: a fresh Debian container with systemd,
// sshd and apt (the test kit's "droplet"), its ports 80 and 443 published on
// 127.0.0.1. Writes examples/sandbox.ssh_config, which makes the alias
// `sandbox` reach it, and removes the container on Ctrl-C.
//
//   node examples/bootstrap/sandbox.mjs      (from the repository, after `pnpm build`)
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');
const testkit = await import(join(repo, 'packages/testkit/dist/index.js'));

await testkit.ensureDockerEngine();
const droplet = await testkit.startDroplet({ publish: [80, 443] });
const sshConfig = resolve(import.meta.dirname, '../sandbox.ssh_config');
writeFileSync(
  sshConfig,
  [
    'Host sandbox',
    '  HostName 127.0.0.1',
    `  Port ${droplet.sshPort}`,
    '  User root',
    `  IdentityFile ${droplet.clientKeyPath}`,
    `  UserKnownHostsFile ${droplet.knownHostsPath}`,
    '',
  ].join('\n'),
);
process.stdout.write(
  [
    `sandbox ${droplet.name} is up.`,
    `  ssh config:  ${sshConfig}   (export STRATUM_SSH_CONFIG=${sshConfig})`,
    `  its :80  is  http://127.0.0.1:${droplet.ports[80]}/`,
    `  its :443 is  127.0.0.1:${droplet.ports[443]}`,
    `  a shell:     ssh -F ${sshConfig} sandbox`,
    'Press Ctrl-C to remove it.',
    '',
  ].join('\n'),
);

const stop = async () => {
  await droplet.stop();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
