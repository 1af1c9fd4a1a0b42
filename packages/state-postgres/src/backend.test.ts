import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { loadState, type State, StateLockedError, serializeState, startRun } from '@stratum/core';
import { describe, expect, it } from 'vitest';
import { env, scratch, server, usePostgres } from './__tests__/postgres';
import { postgresStateBackend } from './backend';

const databases = usePostgres('t');

/** A fresh database per test, so tests do not see each other's rows. */
async function freshDb(): Promise<string> {
  return (await databases.freshDb()).url;
}

/**
 * A database as a stratum of schema version 1 left it, made by hand from that
 * version's DDL (as released, not as this package now writes it), with a
 * resource and a second state in it.
 */
async function versionOneDb(): Promise<{ url: string; db: string }> {
  const url = await freshDb();
  const db = new URL(url).pathname.slice(1);
  await server.psql(
    db,
    `CREATE SCHEMA stratum;
     CREATE TABLE stratum.meta (key text PRIMARY KEY, value text NOT NULL);
     CREATE TABLE stratum.states (
       id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       name text NOT NULL UNIQUE,
       created_at timestamptz NOT NULL DEFAULT now());
     CREATE TABLE stratum.resources (
       state_id bigint NOT NULL REFERENCES stratum.states (id) ON DELETE CASCADE,
       key text NOT NULL, kind text NOT NULL, name text NOT NULL, provider text NOT NULL,
       attrs json NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (state_id, key));
     CREATE TABLE stratum.locks (
       state_id bigint PRIMARY KEY REFERENCES stratum.states (id) ON DELETE CASCADE,
       backend_pid integer NOT NULL, who text NOT NULL, host text NOT NULL, pid integer NOT NULL,
       command text, since text NOT NULL);
     INSERT INTO stratum.meta VALUES ('schema_version', '1');
     INSERT INTO stratum.states (name) VALUES ('default'), ('staging');
     INSERT INTO stratum.resources (state_id, key, kind, name, provider, attrs)
       VALUES (1, 'file.old', 'file', 'old', 'system', '{"path":"/etc/old","mode":"0644"}');`,
  );
  return { url, db };
}

function entry(kind: string, name: string, attrs: Record<string, unknown>) {
  return { addr: { kind, name }, provider: 'system', attrs } as State['resources'][string];
}

describe('postgresStateBackend', () => {
  it('reads an empty state, persists one row per write and deletes it again', async () => {
    const url = await freshDb();
    const backend = postgresStateBackend(url, { env });
    expect(await backend.read()).toEqual({ version: 1, resources: {} });
    const state: State = {
      version: 1,
      resources: { 'file.a': entry('file', 'a', { z: 1, a: [true, null] }) },
    };
    const lease = await backend.lock({ command: 'test' });
    await backend.write(state, 'file.a');
    state.resources['file.b'] = entry('file', 'b', { path: '/x' });
    await backend.write(state, 'file.b');
    delete state.resources['file.a'];
    await backend.write(state, 'file.a');
    await lease.release();
    expect(await postgresStateBackend(url, { env }).read()).toEqual(state);
    const rows = await server.psql(
      't1'.replace('t1', new URL(url).pathname.slice(1)),
      'SELECT key FROM stratum.resources',
    );
    expect(rows.trim()).toBe('file.b');
  });

  it('writes the entries of many steps in one transaction: puts and a delete', async () => {
    const url = await freshDb();
    const backend = postgresStateBackend(url, { env });
    const lease = await backend.lock({ command: 'test' });
    const state: State = { version: 1, resources: { 'file.a': entry('file', 'a', { v: 1 }) } };
    await backend.write(state, 'file.a');
    delete state.resources['file.a'];
    state.resources['file.b'] = entry('file', 'b', { v: 2 });
    state.resources['file.c'] = entry('file', 'c', { v: 3 });
    await backend.writeMany?.(state, ['file.a', 'file.b', 'file.c']);
    await lease.release();
    expect(await postgresStateBackend(url, { env }).read()).toEqual(state);
    const rows = await server.psql(
      new URL(url).pathname.slice(1),
      'SELECT key FROM stratum.resources ORDER BY key',
    );
    expect(rows.trim().split('\n')).toEqual(['file.b', 'file.c']);
  });

  it('keeps what an entry read and a re-run it still owes, through a write and a replace', async () => {
    const url = await freshDb();
    const backend = postgresStateBackend(url, { env });
    const reader = { ...entry('file', 'conf', { path: '/etc/app.conf' }), reads: ['dir.base'] };
    const owing: State['resources'][string] = {
      ...entry('service', 'app', { name: 'app' }),
      pending_trigger: ['file.conf'],
    };
    const state: State = { version: 1, resources: { 'file.conf': reader, 'service.app': owing } };
    const lease = await backend.lock({ command: 'test' });
    await backend.write(state, 'file.conf');
    await backend.write(state, 'service.app');
    await lease.release();
    expect(serializeState(await postgresStateBackend(url, { env }).read())).toBe(serializeState(state));
    // Paid: the field goes, as it leaves the file.
    delete owing.pending_trigger;
    await postgresStateBackend(url, { env }).replace(state);
    const back = await postgresStateBackend(url, { env }).read();
    expect(back.resources['service.app']).toEqual(entry('service', 'app', { name: 'app' }));
    expect(back.resources['file.conf']?.reads).toEqual(['dir.base']);
  });

  it('keeps attribute key order, so a state reads back byte-identical', async () => {
    const url = await freshDb();
    const state: State = {
      version: 1,
      resources: {
        'file.b': entry('file', 'b', { zeta: 1, alpha: { y: 'é', b: [1.5, 2e-7] } }),
        '_stratum_apt.h': entry('_stratum_apt', 'h', { updated: true }),
      },
    };
    await postgresStateBackend(url, { env }).replace(state);
    expect(serializeState(await postgresStateBackend(url, { env }).read())).toBe(serializeState(state));
  });

  it('files `_stratum_*` rows under the shared state in namespace mode', async () => {
    const url = await freshDb();
    const db = new URL(url).pathname.slice(1);
    const app = postgresStateBackend(url, { env, state: 'app', shared: '_shared' });
    const state: State = {
      version: 1,
      resources: {
        'file.a': entry('file', 'a', {}),
        'apt._stratum_web': entry('apt', '_stratum_web', {}),
      },
    };
    const lease = await app.lock();
    await app.write(state, 'file.a');
    await app.write(state, 'apt._stratum_web');
    await lease.release();
    const rows = await server.psql(
      db,
      'SELECT s.name, r.key FROM stratum.resources r JOIN stratum.states s ON s.id = r.state_id ORDER BY 1',
    );
    expect(rows.trim().split('\n')).toEqual(['_shared|apt._stratum_web', 'app|file.a']);
    // Another namespace sees the shared rows, not app's.
    const other = await postgresStateBackend(url, { env, state: 'db', shared: '_shared' }).read();
    expect(Object.keys(other.resources)).toEqual(['apt._stratum_web']);
  });

  it('refuses a second lock naming the holder, and takes it once released', async () => {
    const url = await freshDb();
    const first = await postgresStateBackend(url, { env }).lock({ command: 'stratum apply' });
    const second = postgresStateBackend(url, { env });
    const refused = await second.lock({ command: 'stratum apply' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StateLockedError);
    const locked = refused as StateLockedError;
    expect(locked.message).toMatch(
      /state `default` in postgresql:\/\/postgres@127\.0\.0\.1:\d+\/t\d+\?state=default is locked by \S+ \(pid \d+ on \S+\) since \S+ \(stratum apply\)/,
    );
    expect(locked.holder?.pid).toBe(process.pid);
    await first.release();
    const again = await second.lock();
    await again.release();
  });

  it('loses the lock at once when the holding session dies', async () => {
    const url = await freshDb();
    const db = new URL(url).pathname.slice(1);
    await postgresStateBackend(url, { env }).lock({ command: 'doomed' });
    const refused = await postgresStateBackend(url, { env })
      .lock()
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StateLockedError);
    await server.psql(
      db,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stratum'",
    );
    const lease = await postgresStateBackend(url, { env }).lock();
    await lease.release();
  });

  it('never shows the password, in its location or its errors', async () => {
    const url = (await freshDb()).replace('postgres@', 'postgres:Wr0ng-S3cret@');
    const backend = postgresStateBackend(url, { env: { ...env, PGPASSWORD: '' } });
    expect(backend.location).not.toContain('Wr0ng-S3cret');
    const error = (await backend.read().catch((e: unknown) => e)) as Error & { code: string; hint?: string };
    expect(error.code).toBe('StateUnreadable');
    expect(error.message).toMatch(
      /cannot read PostgreSQL state postgresql:\/\/postgres@127\.0\.0\.1:\d+\/t\d+\?state=default: .*password authentication failed/,
    );
    expect(`${error.message} ${error.hint}`).not.toContain('Wr0ng-S3cret');
  });

  it('takes the password from ~/.pgpass when the URL and PGPASSWORD have none', async () => {
    const url = await freshDb();
    const home = await mkdtemp(join(scratch, 'home-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(home, '.pgpass'), `127.0.0.1:${server.port}:*:postgres:${server.password}\n`, {
      mode: 0o600,
    });
    const backend = postgresStateBackend(url, { env: { ...process.env, PGPASSWORD: undefined, HOME: home } });
    const previous = { home: process.env.HOME, pw: process.env.PGPASSWORD };
    // pg reads ~/.pgpass through the process environment.
    process.env.HOME = home;
    delete process.env.PGPASSWORD;
    try {
      expect(await backend.read()).toEqual({ version: 1, resources: {} });
    } finally {
      process.env.HOME = previous.home;
      if (previous.pw !== undefined) process.env.PGPASSWORD = previous.pw;
    }
  });

  it('refuses a database set up by a newer stratum', async () => {
    const url = await freshDb();
    const db = new URL(url).pathname.slice(1);
    await postgresStateBackend(url, { env }).read();
    await server.psql(db, "UPDATE stratum.meta SET value = '99' WHERE key = 'schema_version'");
    const error = (await postgresStateBackend(url, { env })
      .read()
      .catch((e: unknown) => e)) as { code: string; message: string };
    expect(error.code).toBe('StateVersionUnsupported');
    expect(error.message).toContain('schema version 99; this stratum knows version 2');
  });

  it('upgrades a version-1 database in place: its rows kept, history added', async () => {
    const { url, db } = await versionOneDb();
    const backend = postgresStateBackend(url, { env });
    expect(await backend.read()).toEqual({
      version: 1,
      resources: { 'file.old': entry('file', 'old', { path: '/etc/old', mode: '0644' }) },
    });
    expect(await server.psql(db, "SELECT value FROM stratum.meta WHERE key = 'schema_version'")).toBe('2\n');
    expect(await server.psql(db, 'SELECT name FROM stratum.states ORDER BY id')).toBe('default\nstaging\n');
    const run = startRun('apply', ['apply', '-y']);
    await backend.history!.record({ type: 'started', run });
    expect((await backend.history!.list()).map((r) => [r.id, r.result])).toEqual([[run.id, 'incomplete']]);
    // The lock of version 1 works on as before.
    const lease = await backend.lock({ command: 'test' });
    await lease.release();
  });

  it('upgrades a version-1 database once when many runs open it at the same moment', async () => {
    const { url, db } = await versionOneDb();
    const reads = await Promise.all(
      Array.from({ length: 5 }, () => postgresStateBackend(url, { env }).read()),
    );
    expect(reads.every((s) => Object.keys(s.resources).join() === 'file.old')).toBe(true);
    expect(
      await server.psql(
        db,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'stratum' AND table_name LIKE 'run%'",
      ),
    ).toBe('2\n');
  });

  it('creates the schema once when many runs start at the same moment', async () => {
    const url = await freshDb();
    const reads = await Promise.all(
      Array.from({ length: 5 }, () => postgresStateBackend(url, { env }).read()),
    );
    expect(reads.every((s) => Object.keys(s.resources).length === 0)).toBe(true);
  });
});

describe('postgresStateBackend when the server stops mid-apply', () => {
  it('keeps the run in a recovery file the error names', async () => {
    const url = await freshDb();
    const recoveryDir = join(scratch, 'recovery');
    const backend = postgresStateBackend(url, { env, recoveryDir });
    const state: State = { version: 1, resources: { 'file.a': entry('file', 'a', {}) } };
    const lease = await backend.lock();
    await backend.write(state, 'file.a');
    await server.halt();
    try {
      state.resources['file.b'] = entry('file', 'b', {});
      const error = (await backend.write(state, 'file.b').catch((e: unknown) => e)) as Error & {
        hint: string;
      };
      expect(error.message).toMatch(
        /cannot write PostgreSQL state .*; this run's state \(every step that finished\) is kept in (\S+)$/,
      );
      const path = /kept in (\S+)$/.exec(error.message)![1]!;
      expect(error.hint).toContain('stratum state push --force -s');
      expect(existsSync(path)).toBe(true);
      state.resources['file.c'] = entry('file', 'c', {});
      await backend.write(state, 'file.c');
      expect(Object.keys((await loadState(path)).resources)).toEqual(['file.a', 'file.b', 'file.c']);
      expect(readFileSync(path, 'utf8')).toBe(serializeState(state));
      await lease.release();
    } finally {
      await server.start();
    }
    expect(Object.keys((await postgresStateBackend(url, { env }).read()).resources)).toEqual(['file.a']);
  });
});
