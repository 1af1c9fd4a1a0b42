/**
 * The floors the workload's figures are compared with: the same host work as
 * one hand-written script over one ssh exec, through the same sshd, with the
 * ssh2 client the provider uses (its own copy, so the floor moves with it).
 * Each timing includes opening and closing the connection, as a stratum run
 * pays for it too.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { TREE } from './generate.mjs';
import { execOnce } from './ssh-once.mjs';

/** `'...'` for /bin/sh; the bench's paths are plain, but quoting costs nothing. */
const q = (word) => `'${word.replaceAll("'", "'\\''")}'`;

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
    FLOOR_SSHD: JSON.stringify({
      port: sshd.port,
      hostKeyPath: sshd.hostKeyPath,
      clientKeyPath: sshd.clientKeyPath,
    }),
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
