// Per-step persistence cost of an apply, by state size: the whole-file save
// every step used to do (serialise, fsync, rename, fsync the directory)
// against the journal (one appended record, fdatasync'd; see
// src/state/journal.ts), and the floor measured in the same run: one append +
// fdatasync of a line of the same size to a plain file. Run with `pnpm bench`
// (turbo builds dist first). BENCH_STEPS sets how many steps are timed per
// figure (default 200; the whole-file save is timed on a tenth of them).
//
// Goal (issue: apply and refresh at the floor): per-step cost flat in N —
// the journal at N = 5,000 within 1.2× of N = 100 — and a small share of the
// 2 ms per resource an apply may cost.
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileStateBackend, saveState } from '../dist/index.js';

const SIZES = [100, 1_000, 5_000];
const STEPS = Number(process.env.BENCH_STEPS ?? 200);
const WHOLE_FILE_STEPS = Math.max(10, Math.floor(STEPS / 10));
const HOST = 'root@192.0.2.10';

/** A `system_file` entry as an apply records it (~450 bytes of JSON, like the 2.3 MB at 5,000). */
function entry(i, generation = 0) {
  const name = `conf-${String(i).padStart(5, '0')}`;
  const content = `# generated ${generation}\n${'key = value\n'.repeat(14)}`;
  return {
    addr: { kind: 'system_file', name },
    provider: 'system',
    attrs: {
      host: HOST,
      path: `/etc/app/${name}.conf`,
      content,
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
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Times `step(i)` for i in 0..count, one sample each; the median in ms. */
async function perStep(count, step) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await step(i);
    samples.push(performance.now() - started);
  }
  return median(samples);
}

async function measure(n) {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-state-bench-'));
  try {
    const path = join(dir, 'state.json');
    const state = stateOf(n);
    const keys = Object.keys(state.resources);
    const change = (i) => {
      const key = keys[i % n];
      state.resources[key] = entry(i % n, i + 1);
      return key;
    };
    await saveState(path, state);
    const bytes = JSON.stringify(state, null, 2).length;
    const lineBytes = JSON.stringify({ put: keys[0], entry: state.resources[keys[0]] }).length + 1;

    // Before: every step rewrote the whole file.
    const wholeFile = await perStep(WHOLE_FILE_STEPS, async (i) => {
      change(i);
      await saveState(path, state);
    });

    // After: the run's first write rewrites the file, later ones append; flush folds.
    // The floor — one append + fdatasync of a line of the same size — is timed
    // step for step between them, so both meet the same disk (it is shared).
    const line = Buffer.from(`${'x'.repeat(lineBytes - 1)}\n`);
    const handle = await open(join(dir, 'floor'), 'a');
    const backend = fileStateBackend(path);
    const lease = await backend.lock({ command: 'bench' });
    let started = performance.now();
    await backend.write(state, change(0));
    const firstWrite = performance.now() - started;
    const journalSamples = [];
    const floorSamples = [];
    for (let i = 0; i < STEPS; i++) {
      started = performance.now();
      await backend.write(state, change(i + 1));
      journalSamples.push(performance.now() - started);
      started = performance.now();
      await handle.write(line);
      await handle.datasync();
      floorSamples.push(performance.now() - started);
    }
    started = performance.now();
    await backend.flush();
    const flush = performance.now() - started;
    await lease.release();
    await handle.close();
    const journal = median(journalSamples);
    const floor = median(floorSamples);

    // What persisting costs per resource over an apply that touches all N.
    const amortised = (firstWrite + (n - 1) * journal + flush) / n;
    return { n, bytes, lineBytes, wholeFile, journal, floor, firstWrite, flush, amortised };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const n of SIZES) rows.push(await measure(n));

console.log(
  `state-write bench: median per step over ${STEPS} journaled steps (${WHOLE_FILE_STEPS} whole-file saves), system_file entries of ~${rows[0].lineBytes} bytes, ${tmpdir()}`,
);
console.log('');
const header = [
  'N'.padStart(6),
  'state MB'.padStart(9),
  'whole file ms'.padStart(14),
  'journal ms'.padStart(11),
  'floor ms'.padStart(9),
  'journal×floor'.padStart(14),
  'whole×journal'.padStart(14),
  'first+flush ms'.padStart(15),
  'ms/resource'.padStart(12),
];
console.log(header.join(' '));
for (const r of rows) {
  console.log(
    [
      String(r.n).padStart(6),
      (r.bytes / 1e6).toFixed(2).padStart(9),
      r.wholeFile.toFixed(3).padStart(14),
      r.journal.toFixed(3).padStart(11),
      r.floor.toFixed(3).padStart(9),
      (r.journal / r.floor).toFixed(2).padStart(14),
      (r.wholeFile / r.journal).toFixed(1).padStart(14),
      `${r.firstWrite.toFixed(1)}+${r.flush.toFixed(1)}`.padStart(15),
      r.amortised.toFixed(3).padStart(12),
    ].join(' '),
  );
}
const small = rows[0];
const large = rows.at(-1);
// Flatness as ratios to the floor of the same N: the disk's own noise cancels out.
const flat = large.journal / large.floor / (small.journal / small.floor);
console.log('');
console.log(
  `goal: journaled step flat in N (journal×floor at N=${large.n} within 1.2× of N=${small.n}) — ${flat <= 1.2 ? 'met' : 'NOT met'} (${flat.toFixed(2)}×)`,
);
console.log(
  `persistence per resource over a whole apply at N=${large.n}: ${large.amortised.toFixed(3)} ms (${((large.amortised / 2) * 100).toFixed(0)}% of the 2 ms/resource apply budget; the fdatasync floor is ${large.floor.toFixed(3)} ms); ` +
    `the whole-file save it replaces: ${large.wholeFile.toFixed(1)} ms per step`,
);
