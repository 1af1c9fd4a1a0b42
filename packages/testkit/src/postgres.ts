import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, run, type Service, spawnService, tcpAccepts } from './process';
import { TestkitError } from './testkit-error';

/**
 * A throwaway PostgreSQL cluster: `initdb` in a temp dir, the server run as the
 * `postgres` user on a free 127.0.0.1 port (and a unix socket in the same dir),
 * password authentication over TCP. The machine's own cluster is never touched.
 */
export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: 'postgres';
  /** The superuser's password (also what `PGPASSWORD` must hold for a URL without one). */
  readonly password: string;
  /** The cluster's data directory (owned by `postgres`). */
  readonly dataDir: string;
  /** `postgresql://postgres@127.0.0.1:PORT/DB` — no password in it. */
  url(database?: string): string;
  /** Creates a database and returns its URL (no password). */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL through `psql` as the superuser and returns its unaligned, tuples-only output. */
  psql(database: string, sql: string): Promise<string>;
  /**
   * Every row of every table in `schema`, one line each, `table: (row as text)`:
   * all columns, json included, for a test that greps for a value no table may hold.
   */
  dumpSchema(database: string, schema: string): Promise<string>;
  /** Stops the server (`pg_ctl stop -m fast`) but keeps the data: `start()` brings it back. */
  halt(): Promise<void>;
  /** Starts a halted server again on the same port. */
  start(): Promise<void>;
  /** Stops the server and removes the cluster. Idempotent. */
  stop(): Promise<void>;
}

const BIN_DIR = '/usr/lib/postgresql/15/bin';

/** Runs a PostgreSQL binary as the `postgres` user (initdb and the server refuse root). */
function asPostgres(binary: string, args: readonly string[]): [string, string[]] {
  return ['runuser', ['-u', 'postgres', '--', join(BIN_DIR, binary), ...args]];
}

/** Options of {@link startPostgres}. */
export interface PostgresOptions {
  /** Flush commits to disk as a production server does (default false: tests need no durability). */
  fsync?: boolean;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const root = await mkdtemp(join(tmpdir(), 'stratum-pg-'));
  const dataDir = join(root, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(root, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  const { uid, gid } = await postgresIds();
  await chown(root, uid, gid);
  await chown(pwfile, uid, gid);
  const [cmd, args] = asPostgres('initdb', [
    '-D',
    dataDir,
    '-U',
    'postgres',
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const init = await run(cmd, args, { timeoutMs: 120_000 });
  if (init.code !== 0) {
    await rm(root, { recursive: true, force: true });
    throw new TestkitError('ServiceExited', `initdb failed with code ${init.code}`, {
      hint: 'Check that Debian `postgresql` is installed (scripts/setup.sh installs it).',
      detail: init.stderr || init.stdout,
    });
  }
  const port = await freePort();
  let service: Service | undefined;
  const boot = async () => {
    const [serverCmd, serverArgs] = asPostgres('postgres', [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      root,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `fsync=${options.fsync ? 'on' : 'off'}`,
    ]);
    // setpriv inside runuser: the server gets SIGKILL if runuser (and so the test) dies.
    service = await spawnService(
      serverCmd,
      [...serverArgs.slice(0, 3), 'setpriv', '--pdeathsig', 'SIGKILL', '--', ...serverArgs.slice(3)],
      {
        name: 'postgres',
        ready: async () => (await tcpAccepts(port)) && (await isReady(port, root)),
        readyTimeoutMs: 60_000,
        stopTimeoutMs: 10_000,
      },
    );
  };
  await boot();

  const psql = async (database: string, sql: string) => {
    const [psqlCmd, psqlArgs] = asPostgres('psql', [
      '-h',
      root,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-At',
      '-c',
      sql,
    ]);
    const result = await run(psqlCmd, psqlArgs, { timeoutMs: 60_000 });
    if (result.code !== 0) {
      throw new TestkitError('CommandFailed', `psql failed: ${sql}`, { detail: result.stderr });
    }
    return result.stdout;
  };
  const halt = async () => {
    const [ctl, ctlArgs] = asPostgres('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']);
    await run(ctl, ctlArgs, { timeoutMs: 60_000 });
    await service?.stop();
    service = undefined;
  };
  let stopped = false;
  const url = (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    dataDir,
    url,
    async createDatabase(name) {
      await psql('postgres', `CREATE DATABASE "${name}"`);
      return url(name);
    },
    psql,
    async dumpSchema(database, schema) {
      const select = await psql(
        database,
        `SELECT string_agg(format('SELECT %L || '': '' || t::text FROM %I.%I t', table_name, table_schema, table_name), ' UNION ALL ')
           FROM information_schema.tables WHERE table_schema = '${schema.replace(/'/g, "''")}'`,
      );
      return select.trim() === '' ? '' : psql(database, select.trim());
    },
    halt,
    async start() {
      if (service === undefined) await boot();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (service !== undefined) await halt().catch(() => service?.stop());
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function isReady(port: number, socketDir: string): Promise<boolean> {
  const result = await run(join(BIN_DIR, 'pg_isready'), ['-h', socketDir, '-p', String(port), '-q'], {
    timeoutMs: 10_000,
  });
  return result.code === 0;
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  if (uid.code !== 0 || gid.code !== 0) {
    throw new TestkitError('CommandFailed', 'there is no `postgres` user on this machine', {
      hint: 'Install Debian `postgresql` (scripts/setup.sh does); it creates the user.',
    });
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}
