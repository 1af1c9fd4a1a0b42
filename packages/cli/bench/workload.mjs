/**
 * `pnpm bench`, second part: what a real workload costs. Workload W (issue 12:
 * 100 `system_file` of 2 KiB, 50 `ssh_exec`, one `system_dir` of 500 local
 * files, one host) is generated in a temp dir and applied to a loopback sshd
 * the bench starts; then one host with N small `system_file`s for the scaling
 * curve. Every figure is compared with a floor measured in the same run:
 * `node -e 0` for start-up, and for the host work the same reads (or writes)
 * as one hand-written script over one ssh exec (bench/workload/floors.mjs).
 *
 * Each figure is the median of BENCH_ROUNDS runs (default 5) with min–max.
 *
 *   BENCH_BIN=path/to/bin.cjs  another build's CLI, to compare (default ../dist/bin.cjs)
 *   BENCH_QUICK=1              3 rounds, N = 100 / 1,000: a quick look
 *   BENCH_N=100,1000,5000      the scaling points (default 100,1000,5000)
 *   BENCH_SCALE_BUDGET_S=60    stop a scaling point's rounds once this much time is spent (at least 1 run)
 *   BENCH_JSON=path            also write every figure as JSON; `--json` prints only the JSON on stdout
 *
 * Everything it creates (sshd, temp dirs, children) is removed on exit and on ctrl-c.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaleConfig, workloadW } from './workload/generate.mjs';
import { killRunning, runCli, sample, summarise, timeCli, timeCommand } from './workload/measure.mjs';
import { printScaleAndGoals, printW, toJson } from './workload/report.mjs';
import { createWorkspace, removeAllWorkspaces } from './workload/workspace.mjs';

const BIN = process.env.BENCH_BIN ?? fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
const TESTKIT = fileURLToPath(new URL('../../testkit/dist/index.js', import.meta.url));
const quick = process.env.BENCH_QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 5));
const points = (process.env.BENCH_N ?? (quick ? '100,1000' : '100,1000,5000')).split(',').map(Number);
const budgetMs = Number(process.env.BENCH_SCALE_BUDGET_S ?? (quick ? 20 : 60)) * 1000;
const jsonOnly = process.argv.includes('--json');

for (const [path, what] of [
  [BIN, 'the stratum CLI'],
  [TESTKIT, 'the testkit (it starts the loopback sshd)'],
]) {
  if (!existsSync(path)) {
    console.error(
      `workload bench: ${path} does not exist: build ${what} first (\`pnpm build\` at the repository root)` +
        (path === BIN && process.env.BENCH_BIN ? ', or point BENCH_BIN at a built bin.cjs' : ''),
    );
    process.exit(1);
  }
}
if (!points.every((n) => Number.isInteger(n) && n > 0) || !(rounds >= 1)) {
  console.error(
    `workload bench: BENCH_N must be positive integers separated by commas and BENCH_ROUNDS >= 1 (got "${process.env.BENCH_N}", "${process.env.BENCH_ROUNDS}")`,
  );
  process.exit(1);
}

const { onProcessEnd, startLoopbackSshd } = await import(TESTKIT);
const { readFloor, readFloorFresh, writeFloor } = await import('./workload/floors.mjs');
const progress = (line) => process.stderr.write(`${line}\n`);

// Other work on the machine moves every figure; the report shows how busy it was.
const loadStart = loadavg()[0];
const sshd = await startLoopbackSshd();
// On ctrl-c the testkit kills its sshd (registered first, so it runs first) but
// has no time to remove the sshd's temp dir; this removes that and what the bench made.
onProcessEnd(() => {
  killRunning();
  removeAllWorkspaces();
  rmSync(sshd.tempDir, { recursive: true, force: true });
});
try {
  const report = jsonOnly ? process.stderr : process.stdout;
  const result = {
    bin: BIN,
    rounds,
    quick,
    node: process.version,
    load: [loadStart],
    w: await benchW(sshd),
    scale: [],
  };
  printW(result, report);
  for (const n of points) result.scale.push(await benchScale(sshd, n));
  result.load.push(loadavg()[0]);
  printScaleAndGoals(result, report);
  const json = toJson(result);
  if (process.env.BENCH_JSON) {
    writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(json, null, 2)}\n`);
    progress(`figures written to ${process.env.BENCH_JSON}`);
  }
  if (jsonOnly) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
} catch (error) {
  // A failed run (a config stratum rejects, a step that fails) is shown with the command's own output.
  console.error(`workload bench failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  removeAllWorkspaces();
  await sshd.stop();
}

/** W's figures and their floors. */
async function benchW(sshd) {
  const ws = createWorkspace(sshd, 'w');
  const w = workloadW(ws.target);
  ws.writeConfig(w);
  progress(
    `workload W: ${w.counts.files} system_file, ${w.counts.execs} ssh_exec, 1 system_dir of ${w.counts.treeFiles} files; ${rounds} rounds`,
  );
  await timeCli(BIN, ['validate'], ws);
  const cli = (args) => () => timeCli(BIN, args, ws);
  const out = {};
  out.writeFloor = await sample(
    writeFloor(sshd, ws.target, w, { stageDir: join(ws.root, 'floor-stage'), workDir: ws.dir }),
    { rounds, warmup: 1, before: ws.reset, label: 'apply floor (one script)' },
  );
  out.firstApply = await sample(cli(['apply', '-y']), {
    rounds,
    warmup: quick ? 0 : 1,
    before: ws.reset,
    label: 'first apply',
  });
  out.noopApply = await sample(cli(['apply', '-y']), { rounds, warmup: 1, label: 'no-op apply -y' });
  out.refresh = await sample(cli(['plan', '--refresh']), { rounds, warmup: 1, label: 'plan --refresh' });
  out.treeRead = treeRead(JSON.parse((await runCli(BIN, ['plan', '--refresh', '--json'], ws)).stdout));
  out.readFloor = await sample(readFloor(sshd, ws.target, w), {
    rounds,
    warmup: 1,
    label: 'refresh floor (one script)',
  });
  out.readFloorFresh = await sample(readFloorFresh(sshd, ws.target, w), {
    rounds,
    warmup: 1,
    label: 'refresh floor (one script, fresh process)',
  });
  out.plan = await sample(cli(['plan']), { rounds, warmup: 1, label: 'plan' });
  out.version = await sample(cli(['--version']), { rounds, warmup: 2, label: 'stratum --version' });
  out.node = await sample(
    () => timeCommand(process.execPath, ['-e', '0'], { cwd: ws.dir, env: { PATH: process.env.PATH } }),
    { rounds, warmup: 2, label: 'node -e 0' },
  );
  ws.dispose();
  return out;
}

/**
 * Whether the refresh really read W's tree: the goal counts only then (today
 * `system_dir` skips trees over 200 files). `{ checked, why }` from the
 * `plan --refresh --json` document.
 */
function treeRead(doc) {
  const step = doc.steps.find((s) => s.kind === 'system_dir');
  if (step === undefined) throw new Error('plan --refresh --json has no system_dir step');
  if (step.drift?.unreadable) return { checked: false, why: step.drift.unreadable };
  if (step.drift?.observed === undefined) return { checked: false, why: 'no observed value in the refresh' };
  return { checked: true, why: `${step.drift.observed.file_count} files read` };
}

/** One scaling point: first apply and `plan --refresh` of N small files, per resource. */
async function benchScale(sshd, n) {
  const ws = createWorkspace(sshd, `n${n}`);
  ws.writeConfig(scaleConfig(ws.target, n));
  progress(`scaling: N = ${n} system_file`);
  await timeCli(BIN, ['validate'], ws);
  const applies = [];
  const refreshes = [];
  let spent = 0;
  while (applies.length < rounds && (applies.length === 0 || spent < budgetMs)) {
    ws.reset();
    const apply = await timeCli(BIN, ['apply', '-y'], ws);
    const refresh = await timeCli(BIN, ['plan', '--refresh'], ws);
    applies.push(apply);
    refreshes.push(refresh);
    spent += apply + refresh;
    progress(
      `  N = ${n}: run ${applies.length}/${rounds} apply ${(apply / 1000).toFixed(2)} s, plan --refresh ${(refresh / 1000).toFixed(2)} s`,
    );
  }
  ws.dispose();
  return { n, apply: summarise(applies), refresh: summarise(refreshes) };
}
