// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import '@stratum/core/node-version';

export type { PostgresStateBackend, PostgresStateOptions } from './backend';
export { postgresStateBackend } from './backend';
export { SCHEMA_VERSION } from './schema';
export type { StateUrl } from './url';
export { isPostgresUrl, parseStateUrl } from './url';
