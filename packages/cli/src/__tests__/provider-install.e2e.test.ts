import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, type LoopbackSshd, run, tcpAccepts } from '@stratum/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHILD_PATH,
  CLI_DIR,
  createWorkspace,
  expectExit,
  hostBlock,
  type RunResult,
  runCli,
  startHost,
  type Workspace,
} from './harness';
import { installPackedCli, installTestsEnabled, NPM_QUIET, pack } from './packed-install';

/**
 * A third-party provider installed as users install one: the publishable packages and the example
 * provider (examples/provider-motd, `stratum-provider-motd`) packed with `pnpm pack`; the CLI
 * installed globally into a temporary prefix with plain npm; the provider and its peer
 * `@stratum/core` installed into a project with plain npm; then the installed `stratum` run in that
 * project against the loopback sshd. The global CLI and the project each have their own copy of
 * `@stratum/core`, as they would on a user's machine.
 *
 * Slow (two npm installs): always in CI, locally with STRATUM_INSTALL_TESTS=1.
 */

const EXAMPLE = resolve(CLI_DIR, '../../examples/provider-motd');
const PASSWORD = 'motd-e2e-password-31337';
const NEW_PASSWORD = 'motd-e2e-rotated-424242';

const enabled = installTestsEnabled('provider install');

function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe.skipIf(!enabled)('a third-party provider installed with npm', { timeout: 600_000 }, () => {
  let dir: string;
  let stratum: string;
  let sshd: LoopbackSshd;
  let ws: Workspace;
  let port: number;
  const runs: RunResult[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stratum-provider-install-'));
    const installed = await installPackedCli(dir);
    // The example is no dependency of the CLI, so nothing has built it: its prepack script does.
    const provider = await pack(EXAMPLE, join(dir, 'packs'));
    const core = installed.tarballs[0]!;
    stratum = installed.stratum;

    sshd = await startHost();
    ws = await createWorkspace(sshd);
    // The project: its own package.json, the provider and the core it peers with, from the tarballs.
    writeFileSync(join(ws.dir, 'package.json'), '{ "name": "motd-project", "private": true }\n');
    await run('npm', ['install', ...NPM_QUIET, provider, core], {
      cwd: ws.dir,
      check: true,
      timeoutMs: 480_000,
      env: { PATH: CHILD_PATH },
    });
    port = await freePort();
  }, 600_000);

  afterAll(async () => {
    ws?.dispose();
    await sshd?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The installed `stratum`, in `sub` of the project (default: its root). */
  const stratumIn = async (sub: string, args: string[], env: Record<string, string> = {}) => {
    const result = await runCli(args, {
      cwd: join(ws.dir, sub),
      bin: stratum,
      env: { HOME: ws.home, PATH: CHILD_PATH, CI: '1', ...env },
      timeoutMs: 120_000,
    });
    runs.push(result);
    return result;
  };
  const env = { NOTICE_PASSWORD: PASSWORD };

  const config = (password = 'secret.notice_password.value') => `${hostBlock('box')}
provider "motd" {
  source  = "stratum-provider-motd"
  busybox = "busybox"
}

secret "notice_password" {
  from_env = "NOTICE_PASSWORD"
}

resource "motd_banner" "welcome" {
  host      = host.box.addr
  path      = "@HOST@/motd"
  text_file = "banner.txt"
}

resource "motd_page" "notice" {
  host     = host.box.addr
  dir      = "@HOST@/notice"
  text     = "Maintenance on Sunday\\n"
  port     = ${port}
  password = ${password}
}
`;

  it('the project resolves the provider and its own @stratum/core', () => {
    const installed = join(ws.dir, 'node_modules');
    expect(existsSync(join(installed, 'stratum-provider-motd/dist/index.js'))).toBe(true);
    expect(existsSync(join(installed, 'stratum-provider-motd/src'))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(installed, 'stratum-provider-motd/package.json'), 'utf8'));
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    expect(manifest.peerDependencies['@stratum/core']).toMatch(/^\^?\d+\.\d+\.\d+/);
    expect(existsSync(join(installed, '@stratum/core/package.json'))).toBe(true);
  });

  it('validate names a misspelt provider setting at its file:line:col', async () => {
    ws.write(
      'typo/stratum.strat',
      `${hostBlock('box')}
provider "motd" {
  source = "stratum-provider-motd"
  busybx = "/bin/busybox"
}
`,
    );
    const result = await stratumIn('typo', ['validate']);
    expectExit(result, 1);
    expect(result.stderr).toContain(
      'stratum.strat:8:3: provider `motd`: unknown setting `busybx` (did you mean `busybox`?)',
    );
  });

  it('validate, plan, apply: the page answers over HTTP with the password', async () => {
    ws.write('stratum.strat', config());
    ws.write('banner.txt', 'Welcome, installed provider\n');

    expectExit(await stratumIn('.', ['validate'], env), 0);

    const plan = await stratumIn('.', ['plan'], env);
    expectExit(plan, 0);
    expect(plan.stdout).toContain('+ motd_banner.welcome');
    expect(plan.stdout).toContain('+ motd_page.notice');
    expect(plan.stdout).toContain('2 create, 0 update, 0 delete, 0 no-op');

    const apply = await stratumIn('.', ['apply', '-y'], env);
    expectExit(apply, 0);
    expect(apply.stdout).toContain('post-apply drift: clean');
    expect(readFileSync(ws.hostPath('motd'), 'utf8')).toBe('Welcome, installed provider\n');

    const url = `http://127.0.0.1:${port}/`;
    expect((await fetch(url)).status).toBe(401);
    expect(
      (await fetch(url, { headers: { authorization: basicAuth('motd', 'wrong-password') } })).status,
    ).toBe(401);
    const page = await fetch(url, { headers: { authorization: basicAuth('motd', PASSWORD) } });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('Maintenance on Sunday\n');
  });

  it('plan --refresh is clean', async () => {
    const refreshed = await stratumIn('.', ['plan', '--refresh', '--detailed-exitcode'], env);
    expectExit(refreshed, 0);
    expect(refreshed.stdout).toContain('0 create, 0 update, 0 delete, 2 no-op');
    expect(refreshed.stdout).toContain('drift: clean');
  });

  it('keeps no plaintext of the password: plan --json, state, output', async () => {
    const json = await stratumIn('.', ['plan', '--json'], env);
    expectExit(json, 0);
    const state = ws.read('.stratum/state.json');
    const digest = createHash('sha256').update(PASSWORD).digest('hex');
    const recorded = JSON.parse(state).resources['motd_page.notice'].attrs;
    expect(recorded.password_sha256).toBe(digest);
    expect(recorded).not.toHaveProperty('password');
    expect(json.stdout).not.toContain(PASSWORD);
    expect(state).not.toContain(PASSWORD);
    for (const result of runs) {
      expect(result.stdout, `stdout of stratum ${result.args.join(' ')}`).not.toContain(PASSWORD);
      expect(result.stderr, `stderr of stratum ${result.args.join(' ')}`).not.toContain(PASSWORD);
    }
  });

  it('a new password is an update that restarts the server', async () => {
    const rotated = { NOTICE_PASSWORD: NEW_PASSWORD };
    const plan = await stratumIn('.', ['plan'], rotated);
    expectExit(plan, 0);
    expect(plan.stdout).toContain('~ motd_page.notice');
    expect(plan.stdout).toMatch(/password_sha256: "sha:[0-9a-f]{6}" -> "sha:[0-9a-f]{6}"/);
    const apply = await stratumIn('.', ['apply', '-y'], rotated);
    expectExit(apply, 0);
    const url = `http://127.0.0.1:${port}/`;
    expect((await fetch(url, { headers: { authorization: basicAuth('motd', PASSWORD) } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: basicAuth('motd', NEW_PASSWORD) } })).status).toBe(
      200,
    );
    for (const result of runs.slice(-2)) expect(result.stdout + result.stderr).not.toContain(NEW_PASSWORD);
  });

  it('a literal password is kept out of plans too: the kind declares it secret (secrets.attrs)', async () => {
    const literal = 'literal-password-not-from-a-secret';
    ws.write(
      'literal/stratum.strat',
      `${hostBlock('box')}
provider "motd" {
  source = "stratum-provider-motd"
}

resource "motd_page" "notice" {
  host     = host.box.addr
  dir      = "@HOST@/literal"
  text     = "hello\\n"
  port     = ${port}
  password = "${literal}"
}
`,
    );
    const json = await stratumIn('literal', ['plan', '--json']);
    expectExit(json, 0);
    expect(json.stdout).not.toContain(literal);
  });

  it('destroying stops the server and removes its files', async () => {
    ws.write(
      'stratum.strat',
      `${hostBlock('box')}
provider "motd" {
  source = "stratum-provider-motd"
}
`,
    );
    const apply = await stratumIn('.', ['apply', '-y', '--allow-destroy'], env);
    expectExit(apply, 0);
    expect(existsSync(ws.hostPath('notice'))).toBe(false);
    expect(existsSync(ws.hostPath('motd'))).toBe(false);
    expect(await tcpAccepts(port)).toBe(false);
  });

  describe('namespace mode', () => {
    const manifest = () => `${hostBlock('primary')}
provider "motd" {
  source = "stratum-provider-motd"
}

namespace "pages" {
  configs = ["pages/notice.strat"]
}

namespace "edge" {
  configs = ["edge/web.strat"]
}
`;
    const notice = () => `resource "motd_page" "notice" {
  host = host.primary.addr
  dir  = "@HOST@/ns-notice"
  text = "hello\\n"
  port = ${port}
}
`;
    const web = () => `resource "docker_container" "web" {
  host  = host.primary.addr
  name  = "web"
  image = "nginx:alpine"
  ports = ["127.0.0.1:${port}:80"]
}
`;

    it('refuses a page and a sibling container on one port, from either side', async () => {
      ws.write('ns/stratum.strat', manifest());
      ws.write('ns/pages/notice.strat', notice());
      ws.write('ns/edge/web.strat', web());

      const pages = await stratumIn('ns', ['-n', 'pages', 'plan']);
      expectExit(pages, 1);
      expect(pages.stderr).toContain('cross-namespace port conflict on host `root@127.0.0.1`:');
      expect(pages.stderr).toContain(`  - pages::motd_page.notice  (current) wants ${port}`);
      expect(pages.stderr).toContain('  - edge::docker_container.web  (sibling) already claims it');

      const edge = await stratumIn('ns', ['-n', 'edge', 'plan']);
      expectExit(edge, 1);
      expect(edge.stderr).toContain(`  - edge::docker_container.web  (current) wants ${port}`);
      expect(edge.stderr).toContain('  - pages::motd_page.notice  (sibling) already claims it');
    });
  });
});
