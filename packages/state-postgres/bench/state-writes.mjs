// Per-step persistence cost for N = 1,000 resources, file and PostgreSQL
// backends side by side. Each backend's figure comes with the floor of its
// medium, measured step for step in the same run (the disk and the server
// are shared with whatever else the machine runs):
// - file: the journal's append (fileStateBackend.write) against one append +
//   fdatasync of a line of the same size to a plain file;
// - PostgreSQL: postgresStateBackend.write (one upsert of the resource's row)
//   against one autocommitted INSERT of a row of the same size into a plain
//   table, over a connection of its own: one round trip, one commit.
// The server is a throwaway cluster (@stratum/testkit) with fsync on, as in
// production. Run with `pnpm bench` (turbo builds dist first).
// BENCH_STEPS: steps timed per figure (default 300); BENCH_N: state size (default 1000).
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { fileStateBackend, saveState } from '../../core/dist/index.js';
import { postgresStateBackend } from '../dist/index.js';

const TESTKIT = fileURLToPath(new URL('../../testkit/dist/index.js', import.meta.url));
const N = Number(process.env.BENCH_N ?? 1000);
const STEPS = Number(process.env.BENCH_STEPS ?? 300);

/** A `system_file` entry as an apply records it (~450 bytes of JSON), as core's state-writes bench uses. */
function entry(i, generation = 0) {
  const name = `conf-${String(i).padStart(5, '0')}`;
  return {
    addr: { kind: 'system_file', name },
    provider: 'system',
    attrs: {
      host: 'root@192.0.2.10',
      path: `/etc/app/${name}.conf`,
      content: `# generated ${generation}\n${'key = value\n'.repeat(14)}`,
      mode: '0644',
      owner: 'root',
      group: 'root',
      sha256: (i * 2654435761 + generation).toString(16).padStart(64, '0'),
    },
  };
}

function stateOf(n) {
  const resources = {};
  for (let i = 0; i < n; i++) resources[`system_file.${entry(i).addr.name}`] = entry(i);
  return { version: 1, resources };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Times `write(i)` and `floor(i)` alternately, STEPS times each: their medians in ms. */
async function sideBySide(write, floor) {
  const writes = [];
  const floors = [];
  for (let i = 0; i < STEPS; i++) {
    let started = performance.now();
    await write(i);
    writes.push(performance.now() - started);
    started = performance.now();
    await floor(i);
    floors.push(performance.now() - started);
  }
  return { write: median(writes), floor: median(floors) };
}

async function measureFile(state, change, lineBytes) {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-pg-bench-'));
  try {
    const path = join(dir, 'state.json');
    await saveState(path, state);
    const backend = fileStateBackend(path);
    const lease = await backend.lock({ command: 'bench' });
    await backend.write(state, change(0)); // The run's first write rewrites the file.
    const handle = await open(join(dir, 'floor'), 'a');
    const line = Buffer.from(`${'x'.repeat(lineBytes - 1)}\n`);
    const figures = await sideBySide(
      (i) => backend.write(state, change(i + 1)),
      async () => {
        await handle.write(line);
        await handle.datasync();
      },
    );
    await backend.flush();
    await lease.release();
    await handle.close();
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measurePostgres(server, state, change, rowBytes) {
  const url = await server.createDatabase('bench');
  const env = { ...process.env, PGPASSWORD: server.password };
  const backend = postgresStateBackend(url, { env });
  await backend.replace(state);
  // pg lets a connection string override `password`, so the floor's URL carries it.
  const floorClient = new pg.Client({
    connectionString: url.replace('postgres@', `postgres:${server.password}@`),
  });
  await floorClient.connect();
  await floorClient.query('CREATE TABLE floor (id int PRIMARY KEY, body text NOT NULL)');
  const body = 'x'.repeat(rowBytes);
  const lease = await backend.lock({ command: 'bench' });
  try {
    return await sideBySide(
      (i) => backend.write(state, change(i + 1)),
      (i) =>
        floorClient.query(
          'INSERT INTO floor (id, body) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body',
          [i % N, body],
        ),
    );
  } finally {
    await lease.release();
    await floorClient.end();
  }
}

const { startPostgres } = await import(TESTKIT);
const server = await startPostgres({ fsync: true });
try {
  const state = stateOf(N);
  const keys = Object.keys(state.resources);
  const change = (i) => {
    const key = keys[i % N];
    state.resources[key] = entry(i % N, i + 1);
    return key;
  };
  const entryBytes = JSON.stringify(state.resources[keys[0]]).length;
  const file = await measureFile(state, change, entryBytes + 20);
  const postgres = await measurePostgres(server, state, change, entryBytes);
  const ms = (v) => `${v.toFixed(3)} ms`;
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
  console.log(`state persistence per step, N = ${N.toLocaleString('en')} (${STEPS} steps each, medians)`);
  console.log('');
  console.log('| backend | per step | its floor | ratio to floor |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| file (journal append) | ${ms(file.write)} | ${ms(file.floor)} (append + fdatasync) | ${ratio(file.write, file.floor)} |`,
  );
  console.log(
    `| PostgreSQL (row upsert) | ${ms(postgres.write)} | ${ms(postgres.floor)} (one autocommit INSERT) | ${ratio(postgres.write, postgres.floor)} |`,
  );
  console.log('');
  console.log(`PostgreSQL / file per step: ${ratio(postgres.write, file.write)}`);
} finally {
  await server.stop();
}
