import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { LoopbackSshd } from '@stratum/testkit';
import { type PostgresServer, startPostgres } from '@stratum/testkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  CHILD_PATH,
  createWorkspace,
  expectExit,
  hostBlock,
  startHost,
  type Workspace,
} from './harness';
import { expectMatchesSchema } from './json-schemas';

/**
 * The PostgreSQL state backend through the real binary: a throwaway cluster
 * (testkit), the loopback sshd as the host, and two CLI processes racing.
 */

let sshd: LoopbackSshd;
let server: PostgresServer;
let databases = 0;

beforeAll(async () => {
  [sshd, server] = await Promise.all([startHost(), startPostgres()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([sshd?.stop(), server?.stop()]);
});

async function freshDb(): Promise<{ url: string; db: string }> {
  databases += 1;
  const db = `e2e${databases}`;
  return { url: await server.createDatabase(db), db };
}

const pgEnv = () => ({ PGPASSWORD: server.password });

/** The host, and two quick files, `b` after `a`. */
function twoFiles(bPath = '@HOST@/b'): string {
  return `${hostBlock('box')}
resource "ssh_file" "a" {
  host    = host.box.addr
  path    = "@HOST@/a"
  content = "a\\n"
}
resource "ssh_file" "b" {
  host       = host.box.addr
  path       = "${bPath}"
  content    = "b\\n"
  depends_on = ["ssh_file.a"]
}
`;
}

/** Two quick files, then a step that takes long enough to be caught in the middle. */
function slowConfig(): string {
  return `${twoFiles()}resource "ssh_exec" "slow" {
  host       = host.box.addr
  command    = "sleep 60"
  depends_on = ["ssh_file.b"]
}
`;
}

/** Two files, and one more that waits for the second: a run that fails at `b` skips `c`. */
function historyConfig(bPath: string): string {
  return `${twoFiles(bPath)}resource "ssh_file" "c" {
  host       = host.box.addr
  path       = "@HOST@/c"
  content    = "c\\n"
  depends_on = ["ssh_file.b"]
}
`;
}

/** Starts `stratum ARGS` in the background; `exited` settles with its exit code. */
function startCli(ws: Workspace, args: readonly string[], env: Record<string, string>) {
  const child = spawn(BIN, args, {
    cwd: ws.dir,
    env: { HOME: ws.home, PATH: CHILD_PATH, CI: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const rowsOf = async (db: string) =>
  (await server.psql(db, 'SELECT key FROM stratum.resources ORDER BY key'))
    .trim()
    .split('\n')
    .filter(Boolean);

describe('state in PostgreSQL', { timeout: 180_000 }, () => {
  it('refuses a second apply naming the holder; SIGKILL of the first frees the lock and keeps exactly the finished steps', async () => {
    const ws = await createWorkspace(sshd);
    try {
      const { url, db } = await freshDb();
      ws.write('stratum.strat', slowConfig());
      const first = startCli(ws, ['apply', '-y', '-s', url], pgEnv());
      await until(async () => (await rowsOf(db).catch(() => [])).length === 2, 'the first two steps');

      // The second run names the state through the environment variable.
      const second = await ws.run(['apply', '-y'], { env: { ...pgEnv(), STRATUM_STATE: url } });
      expectExit(second, 1);
      expect(second.stderr).toMatch(
        new RegExp(
          `state \`default\` in postgresql://postgres@127\\.0\\.0\\.1:${server.port}/${db}\\?state=default is locked by \\S+ \\(pid ${first.child.pid} on \\S+\\) since \\S+ \\(stratum apply\\)`,
        ),
      );
      expect(second.stderr).toContain('nothing to unlock by hand');

      first.child.kill('SIGKILL');
      await first.exited;
      // At once: the server dropped the session, and with it the lock.
      const pulled = await ws.run(['state', 'pull', '-s', url], { env: pgEnv() });
      expectExit(pulled, 0);
      expect(Object.keys(JSON.parse(pulled.stdout).resources)).toEqual(['ssh_file.a', 'ssh_file.b']);
      expect(await rowsOf(db)).toEqual(['ssh_file.a', 'ssh_file.b']);
      expectMatchesSchema('state', JSON.parse(pulled.stdout));

      // `--json` names the database as messages do: the URL without a password.
      const withPassword = url.replace('postgres@', `postgres:${encodeURIComponent(server.password)}@`);
      expect(withPassword).not.toBe(url);
      const rm = await ws.run(['state', 'rm', 'ssh_file.b', '-s', withPassword, '--json'], { env: pgEnv() });
      expectExit(rm, 0);
      expectMatchesSchema('state-rm', JSON.parse(rm.stdout));
      expect(JSON.parse(rm.stdout)).toEqual({
        format_version: 1,
        state: `postgresql://postgres@127.0.0.1:${server.port}/${db}?state=default`,
        removed: ['ssh_file.b'],
      });
      expect(rm.stdout).not.toContain(server.password);
      expect(await rowsOf(db)).toEqual(['ssh_file.a']);
    } finally {
      ws.dispose();
    }
  });

  it('migrates file → PostgreSQL → file byte for byte, namespaces and _shared included', async () => {
    const ws = await createWorkspace(sshd);
    try {
      const { url } = await freshDb();
      ws.write(
        'stratum.strat',
        `${hostBlock('box')}
namespace "app" {
  configs = ["app.strat"]
}
`,
      );
      ws.write(
        'app.strat',
        `resource "system_file" "conf" {
  host    = host.box.addr
  path    = "@HOST@/conf"
  content = "x = 1\\n"
}
resource "system_dir" "data" {
  host = host.box.addr
  path = "@HOST@/data"
}
`,
      );
      expectExit(await ws.run(['-n', 'app', 'apply', '-y']), 0);
      const original = { app: ws.read('.stratum/app.json'), shared: ws.read('.stratum/_shared.json') };
      const push = await ws.run(['-n', 'app', 'state', 'push', url], { env: pgEnv() });
      expectExit(push, 0);
      expect(push.stdout).toMatch(
        /^pushed \d+ resources from .*\.stratum\/app\.json to postgresql:\/\/postgres@127\.0\.0\.1:\d+\/e2e\d+\?state=app$/m,
      );
      const pull = await ws.run(['-n', 'app', '-s', url, 'state', 'pull', '-o', 'back/app.json'], {
        env: pgEnv(),
      });
      expectExit(pull, 0);
      expect(ws.read('back/app.json')).toBe(original.app);
      expect(ws.read('back/_shared.json')).toBe(original.shared);
      // The namespace now applies against the database: nothing to do.
      const plan = await ws.run(['-n', 'app', '-s', url, 'plan'], { env: pgEnv() });
      expectExit(plan, 0);
      expect(plan.stdout).toContain('0 create, 0 update, 0 delete');
    } finally {
      ws.dispose();
    }
  });

  it('a push onto a database holding another state needs --force', async () => {
    const ws = await createWorkspace(sshd);
    try {
      const { url } = await freshDb();
      ws.write(
        'one.json',
        `${JSON.stringify({ version: 1, resources: { 'system_dir.x': { addr: { kind: 'system_dir', name: 'x' }, provider: 'system', attrs: {} } } }, null, 2)}\n`,
      );
      ws.write('two.json', `${JSON.stringify({ version: 1, resources: {} }, null, 2)}\n`);
      ws.write(
        'three.json',
        `${JSON.stringify({ version: 1, resources: { 'system_dir.y': { addr: { kind: 'system_dir', name: 'y' }, provider: 'system', attrs: {} } } }, null, 2)}\n`,
      );
      expectExit(await ws.run(['state', 'push', '-s', 'one.json', url], { env: pgEnv() }), 0);
      const refused = await ws.run(['state', 'push', '-s', 'three.json', url], { env: pgEnv() });
      expectExit(refused, 1);
      expect(refused.stderr).toContain('already holds a different state (1 resources)');
      expect(refused.stderr).toContain('--force');
      expectExit(await ws.run(['state', 'push', '--force', '-s', 'three.json', url], { env: pgEnv() }), 0);
      const pulled = await ws.run(['state', 'pull', '-s', url], { env: pgEnv() });
      expect(pulled.stdout).toBe(ws.read('three.json'));
    } finally {
      ws.dispose();
    }
  });

  it('PostgreSQL stopped mid-apply: a clear error naming the recovery file, which state push reconciles', async () => {
    const ws = await createWorkspace(sshd);
    try {
      const { url, db } = await freshDb();
      ws.write(
        'stratum.strat',
        `${hostBlock('box')}
resource "ssh_file" "a" {
  host    = host.box.addr
  path    = "@HOST@/a"
  content = "a\\n"
}
resource "ssh_exec" "wait" {
  host       = host.box.addr
  command    = "while [ ! -e @HOST@/go ]; do sleep 0.2; done"
  depends_on = ["ssh_file.a"]
}
resource "ssh_file" "c" {
  host       = host.box.addr
  path       = "@HOST@/c"
  content    = "c\\n"
  depends_on = ["ssh_exec.wait"]
}
`,
      );
      const run = startCli(ws, ['apply', '-y', '-s', url], pgEnv());
      await until(async () => (await rowsOf(db).catch(() => [])).length === 1, 'the first step');
      await server.halt();
      try {
        writeFileSync(ws.hostPath('go'), '');
        const code = await run.exited;
        expect(code).toBe(1);
        const out = run.output();
        const kept = /is kept in (\S+)/.exec(out)?.[1];
        expect(out, out).toMatch(
          /cannot write PostgreSQL state postgresql:\/\/postgres@127\.0\.0\.1:\d+\/e2e\d+\?state=default/,
        );
        expect(kept).toBeDefined();
        const recovered = JSON.parse(readFileSync(kept!, 'utf8'));
        // `c` was in the host's shell behind `wait` (sent ahead of its turn), so
        // it ran although `wait`'s state write failed: the recovery file says so.
        expect(readFileSync(ws.hostPath('c'), 'utf8')).toBe('c\n');
        expect(Object.keys(recovered.resources).sort()).toEqual([
          'ssh_exec.wait',
          'ssh_file.a',
          'ssh_file.c',
        ]);
      } finally {
        await server.start();
      }
      const kept = /is kept in (\S+)/.exec(run.output())![1]!;
      expectExit(await ws.run(['state', 'push', '--force', '-s', kept, url], { env: pgEnv() }), 0);
      expect(await rowsOf(db)).toEqual(['ssh_exec.wait', 'ssh_file.a', 'ssh_file.c']);
    } finally {
      ws.dispose();
    }
  });

  it('no secret plaintext reaches any table, history included (property)', async () => {
    const ws = await createWorkspace(sshd);
    try {
      await fc.assert(
        fc.asyncProperty(fc.stringMatching(/^[A-Za-z0-9]{12,24}$/), async (secret) => {
          const { url, db } = await freshDb();
          ws.write(
            'stratum.strat',
            `${hostBlock('box')}
secret "token" {
  from_env = "STRATUM_TEST_TOKEN"
}
resource "ssh_file" "cred" {
  host    = host.box.addr
  path    = "@HOST@/cred-${databases}"
  content = secret.token.value
}
resource "ssh_exec" "leak" {
  host       = host.box.addr
  command    = "echo rejected $TOKEN >&2; exit 3"
  depends_on = ["ssh_file.cred"]
  env = {
    TOKEN = secret.token.value
  }
}
`,
          );
          // The step that fails prints the secret: its error is recorded in the run history.
          const applied = await ws.run(['apply', '-y', '-s', url], {
            env: { ...pgEnv(), STRATUM_TEST_TOKEN: secret },
          });
          expectExit(applied, 1);
          const dump = await server.dumpSchema(db, 'stratum');
          expect(dump, applied.stderr).toContain('ssh_file.cred');
          expect(dump).toMatch(/^run_steps: .*ssh_exec\.leak,create,failed,[\s\S]*rejected/m);
          expect(dump).not.toContain(secret);
        }),
        { numRuns: 3 },
      );
    } finally {
      ws.dispose();
    }
  });
});

interface HistoryJson {
  runs: { id: string; kind: string; result: string; steps: { address: string; result: string }[] }[];
}

describe('run history and import in PostgreSQL', { timeout: 180_000 }, () => {
  it('records an apply that went well and one that failed mid-way, with which steps landed', async () => {
    const ws = await createWorkspace(sshd);
    try {
      const { url, db } = await freshDb();
      ws.write('stratum.strat', historyConfig('@HOST@/b'));
      expectExit(await ws.run(['apply', '-y', '-s', url], { env: pgEnv() }), 0);
      // b's path now lies under a regular file: its step fails after a's update landed, and c never starts.
      ws.write(
        'stratum.strat',
        historyConfig('@HOST@/a/b').replace('"a\\n"', '"a2\\n"').replace('"c\\n"', '"c2\\n"'),
      );
      expectExit(await ws.run(['apply', '-y', '-s', url], { env: pgEnv() }), 1);

      const list = await ws.run(['state', 'history', '-s', url], { env: pgEnv() });
      expectExit(list, 0);
      const lines = list.stdout.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/ \S+@\S+ {2}apply {2}failed {2}\(1 ok, 1 failed, 1 skipped\)$/);
      expect(lines[1]).toMatch(/ apply {2}ok {2}\(3 ok, 0 failed, 0 skipped\)$/);

      const json = JSON.parse(
        (await ws.run(['state', 'history', '--json', '-s', url], { env: pgEnv() })).stdout,
      ) as HistoryJson & { runs: { configs: { sha256: string }[]; args: string[] }[] };
      const failed = json.runs[0]!;
      expect(failed.configs[0]!.sha256).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(failed.args).toEqual(expect.arrayContaining(['apply', '-y', '-s']));
      expect(failed.steps.map((step) => `${step.result} ${step.address}`)).toEqual([
        'ok ssh_file.a',
        'failed ssh_file.b',
        'skipped ssh_file.c',
      ]);

      const show = await ws.run(['state', 'history', failed.id.slice(0, 20), '-s', url], { env: pgEnv() });
      expectExit(show, 0);
      expect(show.stdout.split('\n')[0]).toContain(failed.id);
      expect(show.stdout).toMatch(/ok +update +ssh_file\.a\n/);
      expect(show.stdout).toMatch(/failed +update +ssh_file\.b: [\s\S]*Not a directory/);
      expect(show.stdout).toMatch(/skipped +update +ssh_file\.c\n/);
      // The runs are rows a team can query.
      expect(await server.psql(db, 'SELECT kind, result FROM stratum.runs ORDER BY seq')).toBe(
        'apply|ok\napply|failed\n',
      );

      const unknown = await ws.run(['state', 'history', 'nope', '-s', url], { env: pgEnv() });
      expectExit(unknown, 1);
      expect(unknown.stderr).toContain(`no run nope in the history of ${url}?state=default`);
    } finally {
      ws.dispose();
    }
  });

  it('imports a file made by hand into PostgreSQL state, as a run of its own', async () => {
    const ws = await createWorkspace(sshd);
    try {
      const { url, db } = await freshDb();
      ws.write('stratum.strat', historyConfig('@HOST@/b'));
      writeFileSync(ws.hostPath('a'), 'a\n');
      const imported = await ws.run(['import', 'ssh_file.a', '-s', url], { env: pgEnv() });
      expectExit(imported, 0);
      expect(imported.stdout).toContain('imported ssh_file.a');
      expect(await rowsOf(db)).toEqual(['ssh_file.a']);
      const plan = await ws.run(['plan', '-s', url], { env: pgEnv() });
      expectExit(plan, 0);
      expect(plan.stdout).toContain('2 create, 0 update, 0 delete, 1 no-op');
      const again = await ws.run(['import', 'ssh_file.a', '-s', url], { env: pgEnv() });
      expectExit(again, 1);
      expect(again.stderr).toContain(`ssh_file.a is already in ${url}?state=default: nothing to import`);
      const history = JSON.parse(
        (await ws.run(['state', 'history', '--json', '-s', url], { env: pgEnv() })).stdout,
      ) as HistoryJson;
      expect(history.runs.map((run) => [run.kind, run.result, run.steps.map((s) => s.address)])).toEqual([
        ['import', 'ok', ['ssh_file.a']],
      ]);
    } finally {
      ws.dispose();
    }
  });

  it('state push and state pull carry the history over, merged by run, byte for byte back in the file', async () => {
    const ws = await createWorkspace(sshd);
    try {
      const { url } = await freshDb();
      ws.write('stratum.strat', historyConfig('@HOST@/b'));
      expectExit(await ws.run(['apply', '-y']), 0);
      expectExit(await ws.run(['state', 'rm', 'ssh_file.c']), 0);
      const original = ws.read('.stratum/state.json.history.jsonl');

      const push = await ws.run(['state', 'push', url], { env: pgEnv() });
      expectExit(push, 0);
      expect(push.stdout).toContain('copied 2 runs of history');
      const inDb = JSON.parse(
        (await ws.run(['state', 'history', '--json', '-s', url], { env: pgEnv() })).stdout,
      ) as HistoryJson;
      expect(inDb.runs.map((run) => run.kind)).toEqual(['state rm', 'apply']);

      // A run against the database, then back to a file: all three runs, the first two as they were.
      expectExit(await ws.run(['apply', '-y', '-s', url], { env: pgEnv() }), 0);
      const pull = await ws.run(['state', 'pull', '-s', url, '-o', 'back/state.json'], { env: pgEnv() });
      expectExit(pull, 0);
      expect(pull.stdout).toContain('copied 3 runs of history');
      const back = ws.read('back/state.json.history.jsonl');
      expect(back.startsWith(original)).toBe(true);
      expect(back.trim().split('\n')).toHaveLength(6);

      // Pushing again adds nothing twice.
      const again = await ws.run(['state', 'push', '--force', '-s', 'back/state.json', url], {
        env: pgEnv(),
      });
      expectExit(again, 0);
      expect(again.stdout).not.toContain('of history');
      const runs = JSON.parse(
        (await ws.run(['state', 'history', '--json', '-s', url], { env: pgEnv() })).stdout,
      ) as HistoryJson;
      expect(runs.runs).toHaveLength(3);

      const self = await ws.run(['state', 'pull', '-o', '.stratum/state.json', '--force']);
      expectExit(self, 1);
      expect(self.stderr).toContain('state pull: .stratum/state.json is the configured state itself');
      expect(self.stderr).toContain('name another file with -o');
    } finally {
      ws.dispose();
    }
  });
});
