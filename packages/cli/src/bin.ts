#!/usr/bin/env -S node --
// `node --` ends node's own options: without it node reads `--env-file PATH`
// from our arguments too, and exits before stratum runs when PATH is missing.
// Kept free of static imports of code: on a Node too old for our dependencies
// the import itself would crash with a SyntaxError, so check the version first.
// (package.json is inlined by the bundler; node:path is loaded before any
// script runs.)
import { join } from 'node:path';
import packageJson from '../package.json';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `Error: stratum needs Node.js 22 or newer; this is Node.js ${process.versions.node}.\nhint: install a current Node.js (for example \`npm install -g node@24\`) and retry.\n`,
  );
  process.exitCode = 1;
} else if (process.argv.length === 3 && process.argv[2] === '--version') {
  // Answered before anything is loaded: scripts and version checks call this often.
  process.stdout.write(`${packageJson.version}\n`);
} else {
  // Required only now, once the Node version is known to be good; the
  // bundler puts it in this file (dist/bin.cjs), which runs as CommonJS: an
  // ES module entry costs each start the module loader's asynchronous
  // resolve, link and evaluate steps (~3 ms).
  const { start } = require('./start') as typeof import('./start');
  start(process.argv.slice(2), join(__dirname, 'stratum.cjs')).then(exitOnceWritten);
}

/**
 * Ends the process with `code` as soon as stdout and stderr have handed on
 * what was written to them. The command is done by now: it awaited all it
 * started (state writes, lock releases, closing connections). Left to run
 * out, the event loop would first finish a garbage collection V8 had begun
 * (Node runs V8's pending tasks before the loop ends): ~10 ms of a
 * `plan --refresh`, spent on memory about to be freed whole. A write to a
 * pipe may still be under way (Node writes to pipes asynchronously), hence
 * the wait; an empty write's callback runs once those before it are through.
 * `exit` listeners still run (code-cache.ts writes its cache in one).
 */
function exitOnceWritten(code: number): void {
  process.exitCode = code;
  const streams = [process.stdout, process.stderr].filter((stream) => stream.writable && !stream.destroyed);
  let pending = streams.length;
  const written = () => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  if (pending === 0) process.exit(code);
  for (const stream of streams) stream.write('', written);
}
