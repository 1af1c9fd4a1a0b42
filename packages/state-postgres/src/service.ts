import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The connection settings of a `pg_service.conf` section. */
export interface ServiceSettings {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
}

/**
 * libpq's connection service file, which `pg` does not read itself: the
 * section `[name]` of `PGSERVICEFILE` (default `~/.pg_service.conf`), else of
 * `PGSYSCONFDIR/pg_service.conf` (Debian: `/etc/postgresql-common`). An
 * unknown service is an error, as in libpq.
 */
export function serviceSettings(name: string, env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  const files = [
    env.PGSERVICEFILE ?? join(env.HOME ?? homedir(), '.pg_service.conf'),
    join(env.PGSYSCONFDIR ?? '/etc/postgresql-common', 'pg_service.conf'),
  ];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const section = parseSection(text, name);
    if (section !== undefined) return section;
  }
  throw new Error(`PostgreSQL service \`${name}\` is not defined in ${files.join(' or ')}`);
}

function parseSection(text: string, name: string): ServiceSettings | undefined {
  let inside = false;
  let found = false;
  const out: ServiceSettings = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      inside = header[1] === name;
      found ||= inside;
      continue;
    }
    if (!inside) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'host' || key === 'hostaddr') out.host = value;
    else if (key === 'port') out.port = Number(value);
    else if (key === 'user') out.user = value;
    else if (key === 'password') out.password = value;
    else if (key === 'dbname') out.database = value;
  }
  return found ? out : undefined;
}
