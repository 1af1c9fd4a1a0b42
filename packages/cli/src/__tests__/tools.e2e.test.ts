import { describe, expect, it } from 'vitest';
import { expectExit, expectGolden, hostBlock, useWorkspacePerTest } from './harness';
import { expectMatchesSchema } from './json-schemas';

/** `status`, `validate`, `fmt`, `graph`, `--version`. */

const t = useWorkspacePerTest();

/** What the transport says on stderr the first time it meets the sshd's host key (a fresh workspace). */
const NEW_HOST =
  '[ssh] new host 127.0.0.1:<PORT>: added ssh-ed25519 key SHA256:<FP> to <TMP>/home/.ssh/known_hosts\n';

describe('status', { timeout: 30_000 }, () => {
  it('prints one section per host from one probe, and filters with --host', async () => {
    t.ws.write('stratum.strat', hostBlock('box'));
    const status = await t.ws.run(['status']);
    expectExit(status, 0);
    const lines = status.stdout.split('\n');
    expect(lines[0]).toBe('=== root@127.0.0.1 ===');
    expect(lines[1]).toMatch(/^up: {3}.*\bup\b/);
    expect(lines[2]).toMatch(/^load: \d+\.\d+, \d+\.\d+, \d+\.\d+$/);
    expect(lines[3]).toMatch(/^mem: {2}Mem: /);
    expect(lines[4]).toMatch(/^swap: Swap: /);
    expect(lines[5]).toMatch(/^disk: \S+ .*%/);
    // Then the docker table, or the line saying there is none.
    expect(lines[6]).toMatch(/^(CONTAINER\s+CPU %|\(no docker stats available\))/);
    expect(t.ws.normalise(status.stderr)).toBe(NEW_HOST);

    const byName = await t.ws.run(['status', '--host', 'box']);
    expectExit(byName, 0);
    expect(byName.stdout.startsWith('=== root@127.0.0.1 ===\n')).toBe(true);
    const byAddr = await t.ws.run(['status', '--host', 'root@127.0.0.1']);
    expectExit(byAddr, 0);
    expect(byAddr.stdout.startsWith('=== root@127.0.0.1 ===\n')).toBe(true);
  });

  it('--host with no match is an error; a host without addr is skipped with a warning', async () => {
    t.ws.write('stratum.strat', `${hostBlock('box')}\nhost "later" {\n  tuning = false\n}\n`);
    const noMatch = await t.ws.run(['status', '--host', 'nope']);
    expectExit(noMatch, 1);
    expectGolden('status-no-match', t.ws, noMatch);
    const all = await t.ws.run(['status']);
    expectExit(all, 0);
    expect(t.ws.normalise(all.stderr)).toBe(`${NEW_HOST}[status] skipping host \`later\`: it has no addr\n`);
    expect(all.stdout).toContain('=== root@127.0.0.1 ===');
  });

  it('status reads no state', async () => {
    t.ws.write('stratum.strat', hostBlock('box'));
    t.ws.write('.stratum/state.json', 'not json');
    const status = await t.ws.run(['status']);
    expectExit(status, 0);
  });
});

describe('validate, fmt, graph', { timeout: 30_000 }, () => {
  const CONFIG = `${hostBlock('box')}
resource "docker_container" "db" {
  host  = host.box.addr
  image = "postgres:16-alpine"
}

resource "docker_container" "api" {
  host       = host.box.addr
  image      = "api:dev"
  depends_on = ["docker_container.db"]
}
`;

  it('validate checks everything without state or hosts', async () => {
    t.ws.write('stratum.strat', CONFIG);
    t.ws.write('.stratum/state.json', 'not json');
    const ok = await t.ws.run(['validate']);
    expectExit(ok, 0);
    expect(ok.stdout).toBe('valid: 2 resources, 1 host in stratum.strat\n');

    t.ws.write('stratum.strat', CONFIG.replace('"docker_container.db"', '"docker_container.dbb"'));
    const badEdge = await t.ws.run(['validate']);
    expectExit(badEdge, 1);
    expectGolden('validate-unknown-dependency', t.ws, badEdge);
  });

  describe('validate --json', () => {
    const TOKEN = 'correct-horse-battery-staple';
    const WITH_SECRET = `${CONFIG}
secret "api_token" {
  from_env = "API_TOKEN"
}

resource "system_secret_file" "token" {
  host    = host.box.addr
  path    = "@HOST@/token"
  content = secret.api_token.value
}
`;
    const env = { API_TOKEN: TOKEN };

    /** `validate --json` through the binary: its exit code, and its document checked against the schema. */
    async function validateJson(exitCode: number) {
      const result = await t.ws.run(['validate', '--json'], { env });
      expectExit(result, exitCode);
      const document = JSON.parse(result.stdout);
      expectMatchesSchema('validate', document);
      return { result, document };
    }

    it('a valid config: valid, the counts and files, no diagnostics, exit 0', async () => {
      t.ws.write('stratum.strat', WITH_SECRET);
      const { result, document } = await validateJson(0);
      expect(document).toEqual({
        format_version: 1,
        valid: true,
        files: ['stratum.strat'],
        resources: 3,
        hosts: 1,
        diagnostics: [],
      });
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
    });

    it('invalid attributes: every one with code, hint and location, exit 1, no secret value', async () => {
      t.ws.write(
        'stratum.strat',
        WITH_SECRET.replace('  content = secret.api_token.value', '  contnet = secret.api_token.value'),
      );
      const { result, document } = await validateJson(1);
      expect(document.valid).toBe(false);
      expect(document.diagnostics).toEqual([
        {
          severity: 'error',
          code: 'SecretInUnsupportedAttr',
          message: expect.stringContaining('secret reference not allowed in `system_secret_file.contnet`'),
          hint: '`system_secret_file` takes secrets in: content',
          location: { file: 'stratum.strat', line: 24, column: 13 },
        },
        {
          severity: 'error',
          code: 'MissingAttribute',
          message: 'system_secret_file.token: missing required attribute `content`',
          hint: null,
          location: { file: 'stratum.strat', line: 21, column: 1 },
        },
        {
          severity: 'error',
          code: 'UnknownAttribute',
          message: 'system_secret_file.token: unknown attribute `contnet` (did you mean `content`?)',
          hint: null,
          location: { file: 'stratum.strat', line: 24, column: 3 },
        },
      ]);
      expect(result.stdout + result.stderr).not.toContain(TOKEN);
    });

    it('a syntax error: its code, hint and range, exit 1', async () => {
      t.ws.write('stratum.strat', `${WITH_SECRET}}\n`);
      const { result, document } = await validateJson(1);
      expect(document).toEqual({
        format_version: 1,
        valid: false,
        files: [],
        resources: null,
        hosts: null,
        diagnostics: [
          {
            severity: 'error',
            code: 'ParseError',
            message: 'expected a block at the top level, found `}`',
            hint: 'there is one `}` too many',
            location: { file: 'stratum.strat', line: 26, column: 1, end_line: 26, end_column: 2 },
          },
        ],
      });
      expect(result.stderr).toBe('');
    });

    it('a planner refusal: at the resource it names', async () => {
      t.ws.write('stratum.strat', CONFIG.replace('"docker_container.db"', '"docker_container.dbb"'));
      const { document } = await validateJson(1);
      expect(document.diagnostics).toEqual([
        {
          severity: 'error',
          code: 'UnknownDependency',
          message: expect.stringContaining('references unknown resource `docker_container.dbb`'),
          hint: expect.stringContaining('declare `docker_container.dbb`'),
          location: { file: 'stratum.strat', line: 11, column: 1 },
        },
      ]);
    });
  });

  it('graph prints DOT with the depends_on edge', async () => {
    t.ws.write('stratum.strat', CONFIG);
    const graph = await t.ws.run(['graph']);
    expectExit(graph, 0);
    expectGolden('graph', t.ws, graph);
    expect(graph.stdout).toContain('"docker_container.api" -> "docker_container.db";');

    const json = await t.ws.run(['graph', '--json']);
    expectExit(json, 0);
    const document = JSON.parse(json.stdout);
    expectMatchesSchema('graph', document);
    expect(document.edges).toEqual([
      { from: 'docker_container.api', to: 'docker_container.db', via: 'depends_on' },
    ]);
    expect(document.nodes.map((n: { address: string }) => n.address)).toEqual([
      'docker_container.db',
      'docker_container.api',
    ]);
  });

  it('fmt --check fails listing unformatted files; fmt rewrites them', async () => {
    const messy = 'host "box" {\naddr="root@127.0.0.1"\n    tuning   =   false\n}\n';
    const canonical = 'host "box" {\n  addr = "root@127.0.0.1"\n  tuning = false\n}\n';
    t.ws.write('stratum.strat', messy);
    t.ws.write('sub/clean.strat', canonical);
    const check = await t.ws.run(['fmt', '--check']);
    expectExit(check, 1);
    expectGolden('fmt-check', t.ws, check);
    expect(t.ws.read('stratum.strat')).toBe(messy);

    const fmt = await t.ws.run(['fmt']);
    expectExit(fmt, 0);
    expect(fmt.stdout).toBe('stratum.strat\n');
    expect(t.ws.read('stratum.strat')).toBe(canonical);
    expectExit(await t.ws.run(['fmt', '--check']), 0);
    expectExit(await t.ws.run(['fmt', '--check', 'sub/clean.strat']), 0);
  });

  it('--version prints the package version', async () => {
    const version = await t.ws.run(['--version']);
    expectExit(version, 0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });
});
