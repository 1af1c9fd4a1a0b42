/**
 * `pnpm bench`: how fast a large config loads, against JSON.parse of the same
 * data measured in the same run. Builds on ../dist (turbo builds first).
 *
 *   BENCH_RESOURCES  resources in the generated config (default 10000)
 *   BENCH_ROUNDS     measured rounds after 3 warm-up rounds (default 15)
 */
import { loadStr, parse } from '../dist/index.js';
import { generate } from './generate.mjs';

const GOAL = 15;
const count = Number(process.env.BENCH_RESOURCES ?? 10_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = 3;

// The generated config interpolates one secret; give it a value.
process.env.PG_PASSWORD ??= 'bench-password-not-a-secret';

const { strat, json } = generate(count);
const stratBytes = Buffer.byteLength(strat);
const jsonBytes = Buffer.byteLength(json);

// Check that both sides really hold the whole config before timing them.
{
  const resources = loadStr(strat, { file: 'bench.strat' }).resources.length;
  const jsonResources = Object.keys(JSON.parse(json).resource.docker_container).length;
  if (jsonResources !== count || resources < count) {
    throw new Error(
      `bench input is wrong: ${resources} resources loaded, ${jsonResources} in JSON, ${count} wanted`,
    );
  }
}

// With --expose-gc (see package.json) every run starts from a collected heap,
// so no case pays for the garbage of the one before.
const collect = globalThis.gc ?? (() => {});

const cases = [
  ['JSON.parse', () => JSON.parse(json)],
  ['parse', () => parse(strat, 'bench.strat')],
  ['loadStr', () => loadStr(strat, { file: 'bench.strat' })],
];
const times = new Map(cases.map(([name]) => [name, []]));
// Interleave the cases so that a slow moment on a shared machine hits all of them alike.
for (let round = 0; round < WARMUP + rounds; round++) {
  for (const [name, run] of cases) {
    collect();
    const start = performance.now();
    run();
    const elapsed = performance.now() - start;
    if (round >= WARMUP) times.get(name).push(elapsed);
  }
}

const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
};
const jsonMs = median(times.get('JSON.parse'));
const mbps = (bytes, ms) => bytes / 1e6 / (ms / 1000);

console.log(
  `${count} resources: .strat ${(stratBytes / 1e6).toFixed(2)} MB, JSON ${(jsonBytes / 1e6).toFixed(2)} MB; ` +
    `median of ${rounds} rounds after ${WARMUP} warm-up`,
);
console.log(
  `  JSON.parse  ${jsonMs.toFixed(1).padStart(7)} ms  ${mbps(jsonBytes, jsonMs).toFixed(1).padStart(6)} MB/s`,
);
for (const name of ['parse', 'loadStr']) {
  const ms = median(times.get(name));
  const ratio = ms / jsonMs;
  console.log(
    `  ${name.padEnd(10)}  ${ms.toFixed(1).padStart(7)} ms  ${mbps(stratBytes, ms).toFixed(1).padStart(6)} MB/s  ` +
      `${ratio.toFixed(1)}x JSON.parse (goal <= ${GOAL}x: ${ratio <= GOAL ? 'met' : 'missed'})`,
  );
}
