import type { ClientConfig } from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { type ServiceSettings, serviceSettings } from './service';

/** True for a state location that names a PostgreSQL database rather than a file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** A state URL taken apart: how to connect, how to name it, how to keep its secrets out of text. */
export interface StateUrl {
  /** The URL without its password (and without `state=`): what messages show. */
  readonly location: string;
  /** `?state=NAME`, when the URL names the state itself. */
  readonly stateName: string | undefined;
  /** What `pg` connects with. */
  readonly config: ClientConfig;
  /** `text` with the password (and the URL that carried it) replaced: for every error message. */
  scrub(text: string): string;
}

/**
 * Parses `postgres://[user[:password]@]host[:port]/db[?state=NAME&...]`.
 * Whatever the URL leaves out comes from libpq's environment, as psql would
 * take it: `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`, `PGPASSWORD` (read by
 * `pg` itself), `~/.pgpass` (read by `pg` when no password is given) and
 * `PGSERVICE` / `?service=` (see {@link serviceSettings}).
 */
export function parseStateUrl(raw: string, env: NodeJS.ProcessEnv = process.env): StateUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`not a valid PostgreSQL URL: ${redactLoosely(raw)}`);
  }
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const stateName = url.searchParams.get('state') ?? undefined;
  const service = url.searchParams.get('service') ?? env.PGSERVICE;
  url.searchParams.delete('state');
  url.searchParams.delete('service');
  const shown = new URL(url.href);
  shown.password = '';
  if (stateName !== undefined) shown.searchParams.set('state', stateName);
  const location = shown.href;
  const fromService: ServiceSettings = {
    ...libpqEnv(env),
    ...(service === undefined ? {} : serviceSettings(service, env)),
  };
  // pg lets a connection string's fields override the config's, even unset ones,
  // so the URL is parsed here and what it leaves out is filled in.
  const fromUrl = parseConnectionString(url.href) as Record<string, unknown>;
  const given = (field: string) =>
    fromUrl[field] !== undefined && fromUrl[field] !== null && fromUrl[field] !== '';
  const config: ClientConfig = {
    ...(Object.fromEntries(Object.entries(fromUrl).filter(([field]) => given(field))) as ClientConfig),
    ...(!given('password') && fromService.password !== undefined ? { password: fromService.password } : {}),
    ...(url.hostname === '' && !given('host') && fromService.host !== undefined
      ? { host: fromService.host }
      : {}),
    ...(url.port === '' && fromService.port !== undefined ? { port: fromService.port } : {}),
    ...(!given('user') && fromService.user !== undefined ? { user: fromService.user } : {}),
    ...(url.pathname.length <= 1 && fromService.database !== undefined
      ? { database: fromService.database }
      : {}),
    application_name: 'stratum',
  };
  const secrets = [raw, url.href, password, url.password, fromService.password, env.PGPASSWORD]
    .filter((s): s is string => s !== undefined && s.length > 0)
    .sort((a, b) => b.length - a.length);
  return {
    location,
    stateName,
    config,
    scrub(text) {
      let out = text;
      for (const secret of secrets)
        out = out.split(secret).join(secret === raw || secret === url.href ? location : '***');
      return out;
    },
  };
}

/**
 * libpq's connection variables from `env`. `pg` reads them from
 * `process.env` when it loads; reading them here lets a caller pass its own
 * environment (the CLI's, with `--env-file` applied).
 */
function libpqEnv(env: NodeJS.ProcessEnv): ServiceSettings {
  const out: ServiceSettings = {};
  if (env.PGHOST) out.host = env.PGHOST;
  if (env.PGPORT) out.port = Number(env.PGPORT);
  if (env.PGUSER) out.user = env.PGUSER;
  if (env.PGPASSWORD) out.password = env.PGPASSWORD;
  if (env.PGDATABASE) out.database = env.PGDATABASE;
  return out;
}

/** A URL we could not parse, with anything that looks like `:password@` cut out. */
function redactLoosely(raw: string): string {
  return raw.replace(/:\/\/([^:/@]*):[^@]*@/, '://$1:***@');
}
