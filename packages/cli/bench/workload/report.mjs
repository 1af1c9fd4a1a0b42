/**
 * The workload bench's output: a table of figures with their ratio to a floor
 * measured in the same run, the scaling curve, and issue 12's goals marked met
 * or not met. `toJson` is the same information for comparing builds.
 */

const s = (ms) => (ms / 1000).toFixed(3);

/** [key, label, figure, floor ms or undefined, floor label] for W. */
function rows(w) {
  const startFloor = w.node.median;
  const share = w.refresh.median - w.plan.median;
  return [
    [
      'firstApply',
      'W first apply (empty target)',
      w.firstApply,
      startFloor + w.writeFloor.median,
      'node + apply floor',
    ],
    ['noopApply', 'no-op apply -y', w.noopApply, startFloor, 'node -e 0'],
    ['refresh', 'no-op plan --refresh', w.refresh, startFloor + w.readFloor.median, 'node + refresh floor'],
    [
      'refreshShare',
      'refresh share (--refresh − plan)',
      { median: share },
      w.readFloor.median,
      'refresh floor',
    ],
    [
      'refreshShareFresh',
      'refresh share, fresh-process floor',
      { median: share },
      w.readFloorFresh.median - startFloor,
      'fresh floor - node',
    ],
    ['plan', 'plan (no refresh)', w.plan, startFloor, 'node -e 0'],
    ['version', 'stratum --version', w.version, startFloor, 'node -e 0'],
    ['node', 'floor: node -e 0', w.node],
    ['readFloor', 'floor: refresh, one script', w.readFloor],
    ['readFloorFresh', 'floor: same, fresh process', w.readFloorFresh],
    ['writeFloor', 'floor: apply, one script', w.writeFloor],
  ];
}

function perResource(point) {
  return { apply: point.apply.median / point.n, refresh: point.refresh.median / point.n };
}

/** Issue 12's "done when", each `{ goal, value, limit, met }` (values in ms or a ratio). */
export function goals({ w, scale }) {
  const out = [
    { goal: 'W first apply <= 0.6 s', value: w.firstApply.median, limit: 600, unit: 'ms' },
    {
      goal: 'no-op plan --refresh <= 0.25 s, the tree checked',
      value: w.refresh.median,
      limit: 250,
      unit: 'ms',
      // Fast because the tree was skipped is not the goal.
      also: w.treeRead.checked,
    },
    { goal: 'plan <= 0.12 s', value: w.plan.median, limit: 120, unit: 'ms' },
    { goal: '--version <= 0.06 s', value: w.version.median, limit: 60, unit: 'ms' },
    {
      goal: 'refresh share within 1.5x of the batched floor',
      value: (w.refresh.median - w.plan.median) / w.readFloor.median,
      limit: 1.5,
      unit: 'x',
    },
  ];
  if (scale.length > 0) {
    const first = scale[0];
    const last = scale[scale.length - 1];
    // The goals are stated at N = 100 and 5,000; other points are named so a quick run is not mistaken for them.
    const at = last.n === 5000 ? 'N=5,000' : `N=${last.n} (goal at 5,000)`;
    if (scale.length > 1)
      out.push({
        goal: `apply per resource at ${at} within 1.2x of N=${first.n}`,
        value: perResource(last).apply / perResource(first).apply,
        limit: 1.2,
        unit: 'x',
      });
    out.push(
      { goal: `apply per resource at ${at} <= 2 ms`, value: perResource(last).apply, limit: 2, unit: 'ms' },
      {
        goal: `refresh per resource at ${at} <= 0.3 ms`,
        value: perResource(last).refresh,
        limit: 0.3,
        unit: 'ms',
      },
    );
  }
  return out.map(({ also = true, ...g }) => ({ ...g, met: g.value <= g.limit && also }));
}

/** W's figures, printed as soon as they are measured (the scaling curve can take minutes more). */
export function printW(result, stream) {
  const line = (text = '') => stream.write(`${text}\n`);
  line('');
  line(`workload bench: ${result.bin}`);
  line(
    `Node ${result.node}; each figure the median of ${result.rounds} runs [min–max]${result.quick ? ' (BENCH_QUICK)' : ''}`,
  );
  line(
    `load average at start ${result.load[0].toFixed(1)}; ${result.w.treeRead.checked ? 'the refresh read' : 'the refresh did NOT read'} W's tree (${result.w.treeRead.why})`,
  );
  line('');
  line(
    `${'figure'.padEnd(34)} ${'median s'.padStart(9)} ${'min–max s'.padStart(14)}  ${'× floor'.padStart(8)}  floor`,
  );
  for (const [, label, fig, floor, floorLabel] of rows(result.w)) {
    const range = fig.min === undefined ? '' : `${s(fig.min)}–${s(fig.max)}`;
    const ratio = floor === undefined ? '' : (fig.median / floor).toFixed(2);
    const floorText = floor === undefined ? '' : `${floorLabel} = ${s(floor)} s`;
    line(
      `${label.padEnd(34)} ${s(fig.median).padStart(9)} ${range.padStart(14)}  ${ratio.padStart(8)}  ${floorText}`,
    );
  }
}

/** The scaling curve and the goals, once everything is measured. */
export function printScaleAndGoals(result, stream) {
  const line = (text = '') => stream.write(`${text}\n`);
  if (result.scale.length > 0) {
    line('');
    line('scaling: one host, N small system_file');
    line(
      `${'N'.padStart(6)} ${'first apply s'.padStart(14)} ${'ms/res'.padStart(8)} ${'plan --refresh s'.padStart(17)} ${'ms/res'.padStart(8)}  runs`,
    );
    for (const point of result.scale) {
      const per = perResource(point);
      line(
        `${String(point.n).padStart(6)} ${s(point.apply.median).padStart(14)} ${per.apply.toFixed(2).padStart(8)} ${s(point.refresh.median).padStart(17)} ${per.refresh.toFixed(2).padStart(8)}  ${point.apply.runs}`,
      );
    }
  }
  line('');
  line(`goals (issue 12; load average at the end ${result.load[1].toFixed(1)}):`);
  for (const g of goals(result)) {
    const value =
      g.unit === 'x'
        ? `${g.value.toFixed(2)}x`
        : g.limit >= 10
          ? `${s(g.value)} s`
          : `${g.value.toFixed(2)} ms`;
    line(`  ${g.met ? 'met    ' : 'not met'}  ${g.goal} (${value})`);
  }
}

/** Every figure as data: ms, medians with min–max and run counts, ratios, goals. */
export function toJson(result) {
  const figures = {};
  for (const [key, , fig, floor] of rows(result.w))
    figures[key] = floor === undefined ? fig : { ...fig, floorMs: floor, ratio: fig.median / floor };
  return {
    bench: 'workload',
    version: 1,
    bin: result.bin,
    node: result.node,
    rounds: result.rounds,
    quick: result.quick,
    loadAverage: { start: result.load[0], end: result.load[1] },
    treeRead: result.w.treeRead,
    unit: 'ms',
    figures,
    scale: result.scale.map((point) => ({ ...point, perResource: perResource(point) })),
    goals: goals(result),
  };
}
