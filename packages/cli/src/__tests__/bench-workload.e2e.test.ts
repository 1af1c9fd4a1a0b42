import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileContent, scaleConfig, workloadW } from '../../bench/workload/generate.mjs';
import { assertBuilt, CHILD_PATH, expectExit, runCli } from './harness';

/**
 * The configs `pnpm bench`'s workload bench generates are ones the built
 * `stratum` accepts and plans as issue 12's workload W, so the bench cannot rot
 * unnoticed. Nothing here contacts a host or times anything.
 */

assertBuilt();

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes a generated config and its local files into a fresh directory. */
function materialise(generate: (target: string) => { strat: string; localFiles: Map<string, string> }): {
  dir: string;
  target: string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'stratum-bench-config-'));
  dirs.push(dir);
  const target = join(dir, 'target');
  const { strat, localFiles } = generate(target);
  writeFileSync(join(dir, 'stratum.strat'), strat);
  for (const [rel, content] of localFiles) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return { dir, target };
}

const stratum = (dir: string, args: string[]) =>
  runCli(args, { cwd: dir, env: { HOME: dir, PATH: CHILD_PATH, CI: '1' } });

/** The plan of `dir`'s config against no state, as `[kind, action]` counts. */
async function plannedKinds(dir: string): Promise<Record<string, number>> {
  const result = await stratum(dir, ['plan', '--json']);
  expectExit(result, 0);
  const doc = JSON.parse(result.stdout) as { steps: { kind: string; action: string }[] };
  const counts: Record<string, number> = {};
  for (const step of doc.steps)
    counts[`${step.kind} ${step.action}`] = (counts[`${step.kind} ${step.action}`] ?? 0) + 1;
  return counts;
}

describe('the workload bench configs', { timeout: 60_000 }, () => {
  it('W validates and plans as 100 files of 2 KiB, 50 commands and one tree of 500 files', async () => {
    const { dir } = materialise((target) => workloadW(target));
    expectExit(await stratum(dir, ['validate']), 0);
    expect(await plannedKinds(dir)).toEqual({
      'system_file create': 100,
      'ssh_exec create': 50,
      'system_dir create': 1,
    });
    expect(Buffer.byteLength(fileContent(7))).toBe(2048);
    expect(workloadW('/t').localFiles.size).toBe(500);
  });

  it('keeps every host path below the target dir and the host untuned', () => {
    const { strat } = workloadW('/tmp/bench-target');
    const paths = [...strat.matchAll(/^\s+path\s+=\s+"([^"]*)"$/gm)].map((m) => m[1]);
    expect(paths).toHaveLength(101);
    for (const path of paths) expect(path?.startsWith('/tmp/bench-target/')).toBe(true);
    expect(strat).toMatch(/tuning = false/);
  });

  it('the scaling config validates and plans N files', async () => {
    const { dir } = materialise((target) => scaleConfig(target, 25));
    expectExit(await stratum(dir, ['validate']), 0);
    expect(await plannedKinds(dir)).toEqual({ 'system_file create': 25 });
  });
});
