import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PostgresServer, startPostgres } from '@stratum/testkit';
import { afterAll, beforeAll } from 'vitest';

/**
 * One throwaway PostgreSQL cluster per test file (testkit), with the
 * environment that reaches it and a scratch dir. Live bindings: set once
 * {@link usePostgres}'s `beforeAll` has run.
 */
export let server: PostgresServer;
export let env: NodeJS.ProcessEnv;
export let scratch: string;

/** Starts the cluster before the file's tests and removes it after; `freshDb` gives each test its own database. */
export function usePostgres(prefix: string): { freshDb(): Promise<{ url: string; db: string }> } {
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres();
    env = { ...process.env, PGPASSWORD: server.password };
    scratch = await mkdtemp(join(tmpdir(), `stratum-pg-${prefix}-`));
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });
  return {
    async freshDb() {
      databases += 1;
      const db = `${prefix}${databases}`;
      return { url: await server.createDatabase(db), db };
    },
  };
}
