export type { PostgresStateBackend, PostgresStateOptions } from './backend';
export { postgresStateBackend } from './backend';
export { SCHEMA_VERSION } from './schema';
export type { StateUrl } from './url';
export { isPostgresUrl, parseStateUrl } from './url';
