/**
 * `pnpm bench`: how long the installed `stratum` takes to start and answer
 * commands that reach no host, against `node -e 0` measured in the same run
 * (the floor: no program starts faster on this Node). Builds on ../dist
 * (turbo builds first). Each figure is the median of BENCH_ROUNDS runs (default
 * 9) after 2 warm-up runs, so Node's compile cache is warm as it is for a user.
 *
 * Goals (issue: apply and refresh at the floor): `--version` <= 60 ms on the
 * 2-core reference machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** BENCH_BIN: another build's bin.cjs, to compare against (e.g. the one before a change). */
const BIN = process.env.BENCH_BIN ?? fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 9);
const WARMUP = 2;

const dir = mkdtempSync(join(tmpdir(), 'stratum-start-bench-'));
writeFileSync(
  join(dir, 'stratum.strat'),
  // As `stratum fmt` writes it, so that `fmt --check` passes. No host is contacted.
  `host "web" {\n  addr = "root@192.0.2.10"\n  tuning = false\n}\n\nresource "system_file" "motd" {\n  host = host.web.addr\n  path = "/etc/motd"\n  content = "hello\\n"\n}\n`,
);

/** Median wall time of running `args` with node, in ms; fails loudly on a non-zero exit. */
function median(args) {
  const times = [];
  for (let i = 0; i < WARMUP + rounds; i++) {
    const started = performance.now();
    const run = spawnSync(process.execPath, args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CI: '1' },
    });
    const ms = performance.now() - started;
    if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    if (i >= WARMUP) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const floor = median(['-e', '0']);
const rows = [
  ['node -e 0 (floor)', floor],
  ['stratum --version', median([BIN, '--version'])],
  ['stratum --help', median([BIN, '--help'])],
  ['stratum validate', median([BIN, 'validate'])],
  ['stratum fmt --check', median([BIN, 'fmt', '--check'])],
  ['stratum graph', median([BIN, 'graph'])],
];
rmSync(dir, { recursive: true, force: true });

console.log(`start-up bench: median of ${rounds} runs after ${WARMUP} warm-up runs, Node ${process.version}`);
console.log('');
console.log(`${'command'.padEnd(24)} ${'median ms'.padStart(10)} ${'× floor'.padStart(8)}`);
for (const [label, ms] of rows)
  console.log(`${label.padEnd(24)} ${ms.toFixed(1).padStart(10)} ${(ms / floor).toFixed(2).padStart(8)}`);
const version = rows[1][1];
console.log('');
console.log(`goal: --version <= 60 ms — ${version <= 60 ? 'met' : 'not met'} (${version.toFixed(1)} ms)`);
