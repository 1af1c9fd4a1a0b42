// Runs the quickstart against a local sandbox host and narrates it.
// Sandbox: a disposable Debian container with systemd, sshd and apt (the
// "droplet") when a docker engine can run here; otherwise a loopback sshd with
// an example that only touches a temp directory.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const testkit = await import(join(repo, 'packages/testkit/dist/index.js'));
const cli = join(repo, 'packages/cli/dist/bin.cjs');

const say = (text) => process.stdout.write(`\n\u001b[1m== ${text}\u001b[22m\n`);

async function startSandbox() {
  if (process.env.STRATUM_DEMO_LOCAL !== '1') {
    try {
      await testkit.ensureDockerEngine();
      say('starting a fresh Debian droplet (a container with systemd, sshd and apt)');
      const droplet = await testkit.startDroplet({ publish: [8080] });
      return {
        kind: 'droplet',
        example: 'quickstart',
        host: { port: droplet.sshPort, key: droplet.clientKeyPath, knownHosts: droplet.knownHostsPath },
        webPort: droplet.ports[8080],
        stop: () => droplet.stop(),
      };
    } catch (error) {
      process.stdout.write(`no docker engine here (${error.message}); using a loopback sshd instead\n`);
    }
  }
  say('starting a loopback OpenSSH server');
  const sshd = await testkit.startLoopbackSshd();
  return {
    kind: 'loopback',
    example: 'quickstart-local',
    host: { port: sshd.port, key: sshd.clientKeyPath, knownHosts: sshd.knownHostsPath },
    stop: () => sshd.stop(),
  };
}

function stratum(args, cwd, env) {
  process.stdout.write(`\n$ stratum ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`stratum ${args.join(' ')} exited with ${result.status}`);
}

const sandbox = await startSandbox();
let failed = false;
try {
  const work = mkdtempSync(join(tmpdir(), 'stratum-demo-'));
  cpSync(join(repo, 'examples', sandbox.example), work, { recursive: true });
  const sshConfig = join(work, 'sandbox.ssh_config');
  writeFileSync(
    sshConfig,
    [
      'Host sandbox',
      '  HostName 127.0.0.1',
      `  Port ${sandbox.host.port}`,
      '  User root',
      `  IdentityFile ${sandbox.host.key}`,
      `  UserKnownHostsFile ${sandbox.host.knownHosts}`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, STRATUM_SSH_CONFIG: sshConfig };
  delete env.SSH_AUTH_SOCK;
  say(`the example: examples/${sandbox.example} (copied to ${work})`);
  stratum(['plan'], work, env);
  stratum(['apply', '-y'], work, env);
  stratum(['plan', '--refresh'], work, env);
  stratum(['state', 'list'], work, env);
  if (sandbox.webPort) {
    const page = await (await fetch(`http://127.0.0.1:${sandbox.webPort}/`)).text();
    say(`the service answers on the droplet: ${page.match(/<h1>(.*)<\/h1>/)?.[1] ?? page.slice(0, 80)}`);
  }
  say('done');
  process.stdout.write(
    [
      `The sandbox is removed now; the config and its state stay in ${work}.`,
      'Where to go next:',
      `  - examples/${sandbox.example}/README.md: what each resource does, and how to point it at your own host`,
      '  - examples/*/: the tutorials (bootstrap, static site, secrets, namespaces)',
      '  - docs/: the language, the providers and the CLI reference',
      '',
    ].join('\n'),
  );
} catch (error) {
  failed = true;
  process.stderr.write(`\ndemo failed: ${error.message}\n`);
} finally {
  await sandbox.stop();
}
process.exit(failed ? 1 : 0);
