#!/usr/bin/env node
// First, before any dependency runs: a clear refusal of a Node.js that is too old.
import '@stratum/core/node-version';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';

const USAGE = `usage: stratum-language-server --stdio

The stratum language server speaks the Language Server Protocol on stdin/stdout.
Editors start it themselves; see https://stratum-iac.github.io/stratum/guides/editors`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
} else if (!args.includes('--stdio')) {
  process.stderr.write(`stratum-language-server: only --stdio is supported\n\n${USAGE}\n`);
  process.exitCode = 2;
} else {
  startServer(createConnection(ProposedFeatures.all, process.stdin, process.stdout));
}
