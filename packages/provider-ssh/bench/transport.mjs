/**
 * The pooled transport against one `ssh` process per command, on a loopback
 * sshd: 100 no-op commands and 100 uploads of 2 KiB (`cat > file` fed through
 * stdin), each (a) sequentially on the pool, (b) all at once on the pool
 * (bounded by its channel limit), (c) sequentially, spawning
 * `ssh -o BatchMode=yes ...` per command as the spec's implementation did.
 *
 * Then the overhead of reaching a host another way, as a ratio to the direct
 * figure of the same run, 100 x `true` sequentially and all at once: through a
 * jump host (a second loopback sshd as the bastion, ssh2 channels through it),
 * and under sudo. This machine has no sudo, so sudo is measured on a droplet
 * container (skipped, saying why, when no docker engine runs): `deploy` with
 * `sudo = true` against the same `deploy` without it.
 *
 * Run with `pnpm bench` (builds dist first). Pool timings include opening the
 * one connection they use; each is the median of 5 runs (the ssh-per-command
 * baseline, at ~25 s a run, is measured once).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  addSudoUserScript,
  dockerAvailable,
  startDroplet,
  startLoopbackSshd,
} from '../../testkit/src/index.ts';
import { createSshTransport } from '../dist/index.js';

const OPS = 100;
const POOL_RUNS = 5;
const payload = randomBytes(2048);

function sshOnce(sshd, command, stdin) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ssh',
      [
        '-F',
        '/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'IdentityAgent=none',
        '-o',
        'StrictHostKeyChecking=accept-new',
        '-o',
        `UserKnownHostsFile=${sshd.knownHostsPath}`,
        '-i',
        sshd.clientKeyPath,
        '-p',
        String(sshd.port),
        sshd.addr,
        command,
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.stdin.end(stdin);
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`ssh exited ${code}: ${stderr}`)),
    );
  });
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function poolMedian(options, concurrent, op) {
  const runs = [];
  for (let i = 0; i < POOL_RUNS; i++) runs.push(await poolRun(options, concurrent, op));
  return runs.sort((a, b) => a - b)[Math.floor(POOL_RUNS / 2)];
}

async function poolRun(options, concurrent, op) {
  const transport = createSshTransport(options);
  try {
    return await timed(async () => {
      if (concurrent) {
        await Promise.all(Array.from({ length: OPS }, (_, i) => op(transport, i)));
      } else {
        for (let i = 0; i < OPS; i++) await op(transport, i);
      }
    });
  } finally {
    await transport.close();
  }
}

async function check(result) {
  if (result.exitCode !== 0) throw new Error(`command failed (exit ${result.exitCode}): ${result.stderr}`);
}

const sshd = await startLoopbackSshd();
const bastion = await startLoopbackSshd();
const rows = [];
/** [concurrent?, floor label, floor ms, label, ms]: each figure against the floor measured beside it. */
const overheads = [];
try {
  const dir = `/tmp/stratum-bench-${process.pid}`;
  await sshOnce(sshd, `mkdir -p ${dir}`, '');
  const noop = (t) => t.exec(sshd.addr, 'true').then(check);
  const upload = (t, i) => t.exec(sshd.addr, `cat > ${dir}/file-${i}`, { stdin: payload }).then(check);

  for (const [workload, op, command] of [
    ['100 x `true`', noop, () => 'true'],
    ['100 x upload 2 KiB', upload, (i) => `cat > ${dir}/ssh-${i}`],
  ]) {
    const spawnMs = await timed(async () => {
      for (let i = 0; i < OPS; i++)
        await sshOnce(sshd, command(i), workload.includes('upload') ? payload : '');
    });
    const sequentialMs = await poolMedian(sshd.transportOptions, false, op);
    const concurrentMs = await poolMedian(sshd.transportOptions, true, op);
    rows.push(
      [workload, '(a) pool, sequential', sequentialMs, spawnMs],
      [workload, '(b) pool, concurrent', concurrentMs, spawnMs],
      [workload, '(c) ssh per command', spawnMs, spawnMs],
    );
  }
  await sshOnce(sshd, `rm -rf ${dir}`, '');

  // Through the bastion: its own known_hosts file, both sshds' client keys.
  const viaBastion = {
    ...sshd.transportOptions,
    knownHostsPath: `${dir}-known_hosts`,
    identityFiles: [...bastion.transportOptions.identityFiles, ...sshd.transportOptions.identityFiles],
    hosts: [{ addr: sshd.addr, port: sshd.port, jump: [`root@127.0.0.1:${bastion.port}`] }],
  };
  for (const concurrent of [false, true]) {
    const direct = await poolMedian(sshd.transportOptions, concurrent, noop);
    const jumped = await poolMedian(viaBastion, concurrent, noop);
    overheads.push([concurrent, 'direct (loopback sshd)', direct, 'through a jump host', jumped]);
  }
} finally {
  await Promise.all([sshd.stop(), bastion.stop()]);
}

// Under sudo, on a droplet: the same login user with and without `sudo = true`.
const docker = await dockerAvailable();
let sudoSkipped;
if (docker.ok) {
  const droplet = await startDroplet();
  try {
    const run = await droplet.exec(addSudoUserScript('deploy'));
    if (run.code !== 0) throw new Error(`adding deploy failed: ${run.stderr}`);
    const as = (sudo) => ({
      ...droplet.transportOptions,
      hosts: [{ addr: 'deploy@127.0.0.1', port: droplet.sshPort, sudo }],
    });
    const op = (t) => t.exec('deploy@127.0.0.1', 'true').then(check);
    for (const concurrent of [false, true]) {
      const plain = await poolMedian(as(false), concurrent, op);
      const sudoed = await poolMedian(as(true), concurrent, op);
      overheads.push([concurrent, 'direct (droplet, deploy)', plain, 'under sudo', sudoed]);
    }
  } finally {
    await droplet.stop();
  }
} else {
  sudoSkipped = docker.reason;
}

const header = ['workload', 'how', 'total ms', 'ms/op', 'speedup vs (c)'];
const table = rows.map(([workload, how, ms, baseline]) => [
  workload,
  how,
  ms.toFixed(0),
  (ms / OPS).toFixed(2),
  `${(baseline / ms).toFixed(1)}x`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));

console.log('');
console.log('100 x `true` reached another way, against direct in the same run (median of 5, ms):');
for (const concurrent of [false, true]) {
  console.log(`  ${concurrent ? 'concurrent' : 'sequential'}`);
  for (const [c, floorLabel, floor, label, ms] of overheads) {
    if (c !== concurrent) continue;
    console.log(`    ${floorLabel.padEnd(26)} ${floor.toFixed(0).padStart(6)}`);
    console.log(`    ${label.padEnd(26)} ${ms.toFixed(0).padStart(6)}  overhead ${(ms / floor).toFixed(2)}x`);
  }
}
if (sudoSkipped) console.log(`  under sudo: skipped (${sudoSkipped})`);
