// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import '@stratum/core/node-version';

export type { Analysis } from './analyze';
export { analyze, DIAGNOSTIC_SOURCE } from './analyze';
export type { DocumentState } from './server';
export { startServer } from './server';
