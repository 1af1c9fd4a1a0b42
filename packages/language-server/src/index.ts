// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import '@stratum/core/node-version';

export type { Analysis, ConfigFile, ConfigSet } from './analyze';
export { analyze, analyzeSet, DIAGNOSTIC_SOURCE } from './analyze';
export type { DocumentState } from './server';
export { startServer } from './server';
