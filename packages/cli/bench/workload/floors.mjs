/**
 * The floors the workload's figures are compared with: the same host work as
 * one hand-written script over one ssh exec, through the same sshd, with the
 * ssh2 client the provider uses (its own copy, so the floor moves with it).
 * Each timing includes opening and closing the connection, as a stratum run
 * pays for it too.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect as tcpConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { TREE } from './generate.mjs';

const providerSsh = fileURLToPath(new URL('../../../provider-ssh/package.json', import.meta.url));
const { Client } = createRequire(providerSsh)('ssh2');

/** `'...'` for /bin/sh; the bench's paths are plain, but quoting costs nothing. */
const q = (word) => `'${word.replaceAll("'", "'\\''")}'`;

/** Connects, runs `script` with `stdin`, closes; resolves to `{ ms, stdout }`, rejects on a non-zero exit. */
function execOnce(sshd, script, stdin) {
  const hostKey = Buffer.from(
    readFileSync(`${sshd.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/)[1],
    'base64',
  );
  const privateKey = readFileSync(sshd.clientKeyPath);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const client = new Client();
    const fail = (error) => {
      client.end();
      reject(error);
    };
    client.once('error', fail);
    client.once('ready', () => {
      client.exec(script, (error, channel) => {
        if (error) return fail(error);
        const out = [];
        const err = [];
        channel.on('data', (chunk) => out.push(chunk));
        channel.stderr.on('data', (chunk) => err.push(chunk));
        channel.once('close', (code) => {
          client.end();
          const ms = performance.now() - started;
          const stdout = Buffer.concat(out).toString('utf8');
          if (code === 0) return resolve({ ms, stdout });
          reject(
            new Error(`floor script exited ${code}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`),
          );
        });
        channel.end(stdin);
      });
    });
    client.connect({
      // Nagle off, as the provider's transport has it: with it on, every
      // userauth round trip waits out a delayed ACK (~40 ms on loopback),
      // and the floor would be ~200 ms slower than the work it stands for.
      sock: tcpConnect({ host: '127.0.0.1', port: sshd.port, noDelay: true }),
      username: 'root',
      privateKey,
      // What stratum does with known_hosts: the key must be the recorded one.
      hostVerifier: (key) => key.equals(hostKey),
      readyTimeout: 20_000,
    });
  });
}

/**
 * The refresh floor for W: one `stat` and one `sha256sum` over every
 * `system_file`, and the tree listed and hashed as `system_dir` reads it.
 */
export function readFloor(sshd, target, w) {
  const script = readScript(target, w);
  return async () => {
    const { ms, stdout } = await execOnce(sshd, script);
    checkReadLines(stdout.split('\n').length - 1, w);
    return ms;
  };
}

/**
 * The refresh floor in a fresh process (floor-child.mjs): Node's start, loading
 * the ssh2 client and a cold handshake included, as a CLI pays them. Returned
 * as the child's wall time; the report takes `node -e 0` off it.
 */
export function readFloorFresh(sshd, target, w) {
  const child = fileURLToPath(new URL('./floor-child.mjs', import.meta.url));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    FLOOR_SCRIPT: readScript(target, w),
    FLOOR_PORT: String(sshd.port),
    FLOOR_KEY: sshd.clientKeyPath,
    FLOOR_HOST_KEY: readFileSync(`${sshd.hostKeyPath}.pub`, 'utf8').trim().split(/\s+/)[1],
  };
  return async () => {
    const started = performance.now();
    const run = spawnSync(process.execPath, [child], { env, encoding: 'utf8' });
    const ms = performance.now() - started;
    if (run.status !== 0) throw new Error(`fresh-process read floor failed: ${run.stderr.slice(-2000)}`);
    checkReadLines(Number(run.stdout.trim()), w);
    return ms;
  };
}

/** One `stat` and one `sha256sum` over every `system_file`, and W's tree listed and hashed as `system_dir` reads it. */
function readScript(target, w) {
  const paths = [...w.hostFiles.keys()].map((rel) => q(join(target, rel))).join(' ');
  const tree = q(join(target, TREE));
  return [
    `stat -c '%a %U %G %n' -- ${paths} ${tree}`,
    `sha256sum -- ${paths}`,
    `cd ${tree} && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum -z | tr '\\0' '\\n'`,
  ].join(' && ');
}

function checkReadLines(lines, w) {
  const expected = 2 * w.counts.files + 1 + w.counts.treeFiles;
  if (lines !== expected)
    throw new Error(`read floor printed ${lines} lines, expected ${expected}: is W applied?`);
}

/**
 * The apply floor for W: every file (the 100 files and the tree) in one tar
 * stream, permissions set, the 50 commands run — one script, one exec. The tar
 * is built locally once, before timing, from the files staged in `stageDir`
 * and W's tree in `workDir`.
 */
export function writeFloor(sshd, target, w, { stageDir, workDir }) {
  for (const [rel, content] of w.hostFiles) {
    mkdirSync(dirname(join(stageDir, rel)), { recursive: true });
    writeFileSync(join(stageDir, rel), content);
  }
  const tops = [...new Set([...w.hostFiles.keys()].map((rel) => rel.split('/')[0]))];
  const tar = spawnSync('tar', ['-cf', '-', '-C', stageDir, ...tops, '-C', workDir, TREE], {
    maxBuffer: 256 * 1024 * 1024,
  });
  if (tar.status !== 0) throw new Error(`tar for the apply floor failed: ${tar.stderr}`);
  const t = q(target);
  const script = [
    `mkdir -p -- ${t} && tar -xf - -C ${t} && chown -R root:root ${t}`,
    `find ${t} -type f -exec chmod 644 {} + && find ${q(join(target, TREE))} -type d -exec chmod 755 {} +`,
    ...w.commands,
  ].join(' && ');
  return async () => (await execOnce(sshd, script, tar.stdout)).ms;
}
