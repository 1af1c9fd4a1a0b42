import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../../dist/bin.cjs');
const run = (args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });

describe('stratum completion', () => {
  it('prints a shell completion script for stratum', () => {
    const result = run(['completion']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('stratum');
    expect(result.stdout).toMatch(/complete -o|compdef/);
  });

  it('completes command names', () => {
    const result = run(['--get-yargs-completions', 'stratum', 'pl']);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')).toContain('plan');
  });
});
