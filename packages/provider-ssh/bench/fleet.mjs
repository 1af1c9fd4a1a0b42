/**
 * Connecting to a fleet at once: `FLEET_N` hosts (default 200), each its own
 * loopback endpoint (sshds listening on 16 ports apiece), with an ssh config
 * `Host` block and a known_hosts line per host, as a fleet's operator has.
 * One `true` on every host at once through the pooled transport, against a
 * floor measured in the same run: bare ssh2 clients doing the same handshake
 * and command with the key already parsed and no host key check.
 *
 * The figure is the client's CPU (user + system of this process), not wall
 * time: on a small machine the sshds' share of the cores decides the wall, and
 * what stratum can remove is its own work per connection. Median of
 * `FLEET_ROUNDS` (default 5) rounds, after one that records the host keys.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { startLoopbackSshd } from '../../testkit/src/index.ts';
import { createSshTransport } from '../dist/index.js';

const N = Number(process.env.FLEET_N ?? 200);
const ROUNDS = Number(process.env.FLEET_ROUNDS ?? 5);
/** sshd's limit is 16 listening sockets. */
const PORTS_PER_SSHD = 16;

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Client CPU and wall of `fn`, in ms. */
async function measured(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / 1000, wall };
}

/** One bare ssh2 connection: handshake, `true`, close. */
function bareConnect(host, privateKey) {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client
      .on('ready', () =>
        client.exec('true', (err, stream) => {
          if (err) return reject(err);
          stream.on('close', (code) => {
            client.end();
            code === 0 ? resolve() : reject(new Error(`true exited ${code}`));
          });
          stream.resume();
          stream.stderr.resume();
        }),
      )
      .on('error', reject)
      .connect({
        sock: tcpConnect({ host: '127.0.0.1', port: host.port, noDelay: true }),
        username: 'root',
        privateKey,
        hostVerifier: () => true,
        readyTimeout: 60_000,
      });
  });
}

const median = (values) => values.slice().sort((a, b) => a - b)[values.length >> 1];

const sshds = [];
const hosts = [];
try {
  while (hosts.length < N) {
    const extra = [];
    for (let i = 1; i < PORTS_PER_SSHD && hosts.length + 1 + extra.length < N; i++)
      extra.push(await freePort());
    const sshd = await startLoopbackSshd({ extraConfig: extra.map((port) => `Port ${port}`) });
    sshds.push(sshd);
    for (const port of [sshd.port, ...extra])
      hosts.push({ addr: `fleet-${String(hosts.length).padStart(4, '0')}`, port, key: sshd.clientKeyPath });
  }
  const dir = sshds[0].tempDir;
  const sshConfigPath = join(dir, 'fleet_ssh_config');
  writeFileSync(
    sshConfigPath,
    hosts
      .map(
        (h) =>
          `Host ${h.addr}\n  HostName 127.0.0.1\n  Port ${h.port}\n  User root\n  IdentityFile ${h.key}\n`,
      )
      .join(''),
  );
  const options = {
    homeDir: dir,
    sshConfigPath,
    knownHostsPath: join(dir, 'fleet_known_hosts'),
    identityFiles: [],
    agentSocket: null,
  };
  const poolRound = () =>
    measured(async () => {
      const transport = createSshTransport(options);
      try {
        await Promise.all(
          hosts.map(async (h) => {
            const result = await transport.exec(h.addr, 'true');
            if (result.exitCode !== 0) throw new Error(`${h.addr}: ${result.stderr}`);
          }),
        );
      } finally {
        await transport.close();
      }
    });
  const keys = new Map(sshds.map((s) => [s.clientKeyPath, readFileSync(s.clientKeyPath)]));
  const floorRound = () => measured(() => Promise.all(hosts.map((h) => bareConnect(h, keys.get(h.key)))));

  // Records every host key, as a fleet's known_hosts already holds them.
  await poolRound();
  const pool = [];
  const floor = [];
  for (let round = 0; round < ROUNDS; round++) {
    // known_hosts is kept parsed only once it is a second old (see KnownHosts).
    await new Promise((resolve) => setTimeout(resolve, 1100));
    for (const which of round % 2 ? ['floor', 'pool'] : ['pool', 'floor'])
      (which === 'pool' ? pool : floor).push(await (which === 'pool' ? poolRound : floorRound)());
  }
  const cpuPool = median(pool.map((r) => r.cpu));
  const cpuFloor = median(floor.map((r) => r.cpu));
  console.log('');
  console.log(`${N} hosts at once, one \`true\` each (median of ${ROUNDS}; client CPU of this process, ms):`);
  console.log(
    `  bare ssh2 (floor)   cpu ${cpuFloor.toFixed(0).padStart(6)}  ${(cpuFloor / N).toFixed(2)} ms/host  wall ${median(floor.map((r) => r.wall)).toFixed(0)}`,
  );
  console.log(
    `  pooled transport    cpu ${cpuPool.toFixed(0).padStart(6)}  ${(cpuPool / N).toFixed(2)} ms/host  wall ${median(pool.map((r) => r.wall)).toFixed(0)}  ${(cpuPool / cpuFloor).toFixed(2)}x floor`,
  );
} finally {
  await Promise.all(sshds.map((s) => s.stop()));
}
