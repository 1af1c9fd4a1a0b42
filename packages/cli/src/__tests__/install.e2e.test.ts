import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoopbackSshd } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHILD_PATH,
  CLI_DIR,
  createWorkspace,
  expectExit,
  hostBlock,
  runCli,
  startHost,
  type Workspace,
} from './harness';
import { installPackedCli, installTestsEnabled, PUBLISHED } from './packed-install';

/**
 * Installable as users install it: every publishable package packed with
 * `pnpm pack` (which turns `workspace:^` into real versions), the tarballs
 * installed globally into a temporary prefix with plain npm (third-party
 * dependencies come from the registry), and the installed `stratum` run.
 *
 * Slow (an npm install): always in CI, locally with STRATUM_INSTALL_TESTS=1.
 */

const enabled = installTestsEnabled('install');

describe.skipIf(!enabled)('npm install -g of the packed packages', { timeout: 600_000 }, () => {
  let dir: string;
  let stratum: string;
  let sshd: LoopbackSshd;
  let ws: Workspace;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratum-install-'));
    const installed = await installPackedCli(dir);
    expect(installed.tarballs).toHaveLength(PUBLISHED.length);
    stratum = installed.stratum;
    sshd = await startHost();
    ws = await createWorkspace(sshd);
  }, 600_000);

  afterAll(async () => {
    ws?.dispose();
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const installed = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { cwd: ws.dir, bin: stratum, env: { HOME: ws.home, PATH: CHILD_PATH, CI: '1', ...env } });

  it('the packed cli depends on real versions, not workspace:', () => {
    const manifest = JSON.parse(
      readFileSync(join(dir, 'prefix/lib/node_modules/@stratum/cli/package.json'), 'utf8'),
    );
    expect(JSON.stringify(manifest.dependencies)).not.toContain('workspace:');
    expect(manifest.dependencies['@stratum/core']).toMatch(/^\^?\d+\.\d+\.\d+/);
  });

  it('stratum --version', async () => {
    const result = await installed(['--version']);
    expectExit(result, 0);
    const { version } = JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(result.stdout).toBe(`${version}\n`);
  });

  it('--env-file reaches stratum, not node, wherever it stands on the command line', async () => {
    // Node itself reads `--env-file` anywhere in its argv up to a `--`, and exits 9
    // (`node: missing.env: not found`) before stratum runs; the bin's
    // `#!/usr/bin/env -S node --` is what keeps it from doing so.
    expect(readFileSync(stratum, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env -S node --');
    for (const args of [
      ['plan', '--env-file', 'missing.env'],
      ['--env-file', 'missing.env', 'plan'],
      ['plan', '--env-file=missing.env'],
    ]) {
      const result = await installed(args);
      expectExit(result, 1);
      expect(result.stderr).toBe(
        'Error: env file missing.env does not exist\nhint: check the --env-file path; only files named with --env-file are loaded when the flag is given\n',
      );
    }
  });

  it('plans, applies and re-plans a small config', async () => {
    ws.write(
      'stratum.strat',
      `${hostBlock('box')}
secret "greeting" {
  from_env = "GREETING"
}

resource "system_secret_file" "greeting" {
  host    = host.box.addr
  path    = "@HOST@/greeting"
  content = secret.greeting.value
}
`,
    );
    const env = { GREETING: 'installed and working' };
    const plan = await installed(['plan'], env);
    expectExit(plan, 0);
    expect(plan.stdout).toBe(
      'stratum plan\n============\n+ system_secret_file.greeting\n\n1 create, 0 update, 0 delete, 0 no-op\n',
    );
    const apply = await installed(['apply', '-y'], env);
    expectExit(apply, 0);
    expect(apply.stdout).toContain('post-apply drift: clean');
    expect(readFileSync(ws.hostPath('greeting'), 'utf8')).toBe('installed and working');
    const again = await installed(['plan', '--detailed-exitcode'], env);
    expectExit(again, 0);
  });
});
