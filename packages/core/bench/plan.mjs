// Planner throughput: buildPlan and redactPlan on 10,000 resources with 20,000
// depends_on edges, against the cost of one JSON.stringify + JSON.parse round
// trip of the same state (the floor any state-driven tool pays). Run with
// `pnpm bench` (turbo builds dist first).
import { performance } from 'node:perf_hooks';
import {
  buildPlan,
  inlineMarker,
  markerFromDigest,
  markersIn,
  mintDigest,
  RedactionMap,
  redactPlan,
} from '../dist/index.js';
import { seededRandom } from '../dist/test.js';

const RESOURCES = 10_000;
const EDGES = 20_000;
const LEAVING = 500;
const RUNS = 7;
const HOST = 'root@192.0.2.10';

const SECRETS = {
  pg_password: 'CorrectHorseBatteryStaple-1',
  gh_pat: 'ghp_Benchmark0000000000000000000000',
  redis_pw: 'redis-Secret-Value-42',
};
/** The salted digest an earlier apply recorded for the password (one per value, as apply writes them). */
const PG_DIGEST = mintDigest(SECRETS.pg_password);

function makeInput() {
  // Seeded, so every run plans the same input.
  const random = seededRandom(42);
  const name = (i) => `svc-${String(i).padStart(5, '0')}`;
  const deps = Array.from({ length: RESOURCES }, () => new Set());
  let edges = 0;
  while (edges < EDGES) {
    // An edge always points to an earlier resource, so the graph is acyclic.
    const a = Math.floor(random() * RESOURCES);
    const b = Math.floor(random() * RESOURCES);
    if (a === b) continue;
    const [from, to] = a > b ? [a, b] : [b, a];
    if (deps[from].has(to)) continue;
    deps[from].add(to);
    edges++;
  }
  // Shuffle so the input order is not already a topological order.
  const order = [...Array(RESOURCES).keys()];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }

  const desired = [];
  const resources = {};
  for (const i of order) {
    const secretful = i % 50 === 0;
    const attrs = {
      host: HOST,
      name: name(i),
      image: `registry.example/app-${i % 40}:1.${i % 7}`,
      restart: 'unless-stopped',
      env: {
        NODE_ENV: 'production',
        PORT: String(3000 + (i % 100)),
        LOG_LEVEL: i % 3 === 0 ? 'debug' : 'info',
        ...(secretful
          ? {
              POSTGRES_PASSWORD: SECRETS.pg_password,
              DATABASE_URL: `postgresql://app:${SECRETS.pg_password}@db:5432/app`,
            }
          : {}),
      },
      labels: {
        'traefik.enable': 'true',
        [`traefik.http.routers.${name(i)}.rule`]: `Host(\`${name(i)}.example\`)`,
      },
      networks: ['edge', `net-${i % 10}`],
      ports: i < 5000 ? [`${10000 + i}:80`] : [],
      depends_on: [...deps[i]].map((d) => `docker_container.${name(d)}`),
    };
    desired.push({ addr: { kind: 'docker_container', name: name(i) }, provider: 'docker', attrs });

    // State: most resources exist; every 10th drifted image; every 13th not created yet.
    if (i % 13 === 0) continue;
    const prior = structuredClone(attrs);
    prior.container_id = `${i.toString(16).padStart(12, '0')}deadbeef`;
    if (i % 10 === 0) prior.image = 'registry.example/app-old:0.9';
    if (secretful) {
      prior.env.POSTGRES_PASSWORD = markerFromDigest('pg_password', PG_DIGEST);
      prior.env.DATABASE_URL = `postgresql://app:${inlineMarker('pg_password', PG_DIGEST)}@db:5432/app`;
    }
    resources[`docker_container.${name(i)}`] = {
      addr: { kind: 'docker_container', name: name(i) },
      provider: 'docker',
      attrs: prior,
    };
  }
  for (let i = 0; i < LEAVING; i++) {
    const key = `docker_container.old-${String(i).padStart(4, '0')}`;
    resources[key] = {
      addr: { kind: 'docker_container', name: `old-${String(i).padStart(4, '0')}` },
      provider: 'docker',
      attrs: {
        host: HOST,
        image: 'old:1',
        depends_on: i > 0 && i % 3 ? [`docker_container.old-${String(i - 1).padStart(4, '0')}`] : [],
      },
    };
  }
  const sorted = Object.fromEntries(
    Object.keys(resources)
      .sort()
      .map((k) => [k, resources[k]]),
  );
  return { desired, state: { version: 1, resources: sorted } };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn) {
  const samples = [];
  let result;
  for (let r = 0; r < RUNS + 1; r++) {
    const t0 = performance.now();
    result = fn();
    const dt = performance.now() - t0;
    if (r > 0) samples.push(dt); // the first run warms the JIT
  }
  return { ms: median(samples), result };
}

const { desired, state } = makeInput();
const redaction = new RedactionMap();
for (const [name, plaintext] of Object.entries(SECRETS)) redaction.add(name, plaintext);
// What the engine does before its first plan of a run: check the state's digests, make the missing ones.
// Timed on its own below; the plan timings are of the steady state within a run.
const settleStarted = performance.now();
await redaction.settle(markersIn(state.resources));
const settleMs = performance.now() - settleStarted;

const stateBytes = JSON.stringify(state).length;
const roundTrip = time(() => JSON.parse(JSON.stringify(state)));
const built = time(() => buildPlan(desired, state, { redaction }));
const plan = built.result;
const redacted = time(() => redactPlan(plan, redaction));

const rows = [
  ['JSON round trip of state (baseline)', roundTrip.ms],
  ['buildPlan', built.ms],
  ['redactPlan', redacted.ms],
];
const summary = plan.summary();
console.log(
  `planner bench: ${RESOURCES} desired, ${EDGES} depends_on edges, ${Object.keys(state.resources).length} in state ` +
    `(${(stateBytes / 1e6).toFixed(1)} MB JSON), ${LEAVING} deletes; median of ${RUNS} runs after one warm-up`,
);
console.log(
  `plan: ${summary.create} create, ${summary.update} update, ${summary.delete} delete, ${summary.noop} no-op; ` +
    `redacted: ${redacted.result.summary().update} update, ${redacted.result.summary().noop} no-op`,
);
console.log('');
console.log(`${'step'.padEnd(38)} ${'median ms'.padStart(10)} ${'× baseline'.padStart(11)}`);
for (const [label, ms] of rows) {
  console.log(
    `${label.padEnd(38)} ${ms.toFixed(1).padStart(10)} ${(ms / roundTrip.ms).toFixed(2).padStart(11)}`,
  );
}
console.log('');
const secretCount = Object.keys(SECRETS).length;
console.log(
  `secrets: settling ${secretCount} secret digests (scrypt, one per secret per run, in parallel) ${settleMs.toFixed(1)} ms — ` +
    `${(settleMs / secretCount).toFixed(1)} ms per secret added to a run's first plan`,
);
const worst = Math.max(built.ms, redacted.ms) / roundTrip.ms;
console.log('');
console.log(
  `goal: each under 10× the round trip — ${worst < 10 ? 'met' : 'NOT met'} (worst ${worst.toFixed(2)}×)`,
);
const leaked =
  JSON.stringify(redacted.result).includes(SECRETS.pg_password) ||
  JSON.stringify(plan).includes(SECRETS.pg_password);
if (leaked) {
  console.error('redacted plan JSON contains a plaintext secret');
  process.exit(1);
}
