import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type LoopbackSshd, startLoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deploy } from '../../../../examples/automation/deploy';

/**
 * docs/guides/automation.md's example, run for real: a program that loads a
 * config with `@stratum/config` and plans + applies it with `@stratum/core`'s
 * engine, against the loopback sshd. The guide shows the file byte for byte.
 */
const EXAMPLE = resolve(import.meta.dirname, '../../../../examples/automation/deploy.ts');
const GUIDE = resolve(import.meta.dirname, '../../../../docs/guides/automation.md');

let sshd: LoopbackSshd;
const dir = mkdtempSync(join(tmpdir(), 'stratum-automation-'));

beforeAll(async () => {
  sshd = await startLoopbackSshd();
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(message: string): string {
  const path = join(dir, 'site.strat');
  writeFileSync(
    path,
    [
      'host "box" {',
      `  addr   = "${sshd.addr}"`,
      `  port   = ${sshd.port}`,
      '  tuning = false',
      '}',
      'resource "system_file" "hello" {',
      '  host    = host.box.addr',
      `  path    = "${join(dir, 'host', 'hello.txt')}"`,
      `  content = "${message}\\n"`,
      '}',
      '',
    ].join('\n'),
  );
  return path;
}

describe('the automation guide', () => {
  it('shows the example file as it is', () => {
    const code = readFileSync(EXAMPLE, 'utf8');
    const guide = readFileSync(GUIDE, 'utf8');
    const block = /<!-- file: examples\/automation\/deploy\.ts -->\n```ts\n([\s\S]*?)```/.exec(guide);
    expect(block?.[1]).toBe(code);
  });

  it('plans and applies a config, then finds nothing to do', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const state = join(dir, 'state.json');
      const { homeDir, sshConfigPath, knownHostsPath, identityFiles, agentSocket } = sshd.transportOptions;
      const ssh = { homeDir, sshConfigPath, knownHostsPath, identityFiles, agentSocket };

      const first = await deploy(writeConfig('hello from a program'), state, ssh);
      expect(first.outcome?.completed.map((s) => `${s.addr.kind}.${s.addr.name}`)).toEqual([
        'system_file.hello',
      ]);
      expect(first.check?.summary()).toMatchObject({ drifted: 0, missing: 0, unreadable: 0 });
      expect(readFileSync(join(dir, 'host', 'hello.txt'), 'utf8')).toBe('hello from a program\n');
      expect(existsSync(state)).toBe(true);
      expect(log.mock.calls.flat().join('\n')).toContain('[system] FILE `hello`');

      const again = await deploy(writeConfig('hello from a program'), state, ssh);
      expect(again.outcome).toBeUndefined();
      expect(again.plan.summary()).toMatchObject({ create: 0, update: 0, delete: 0, noop: 1 });
    } finally {
      log.mockRestore();
    }
  });
});
