import { relative } from 'node:path';
import { loadFile } from '@stratum/config';
import { forgetResources, moveResource, type RunRecord } from '@stratum/core';
import { loadEnvFiles } from '../env-files';
import { CliError } from '../errors';
import type { CliIo } from '../io';
import type { GlobalFlags } from '../options';
import { historyListDocument, historyRunDocument } from '../output/history-json';
import {
  STATE_COMMAND_FORMAT_VERSION,
  type StateMvDocument,
  type StateRmDocument,
} from '../output/state-json';
import { stateBackendFor } from '../pipeline';
import { isStateUrl, resolveSources, type SourceFlags, type Sources } from '../sources';

export interface SurgeryFlags extends GlobalFlags, SourceFlags {}

/** `--json`: print the command's versioned document instead of text. */
export interface JsonFlag {
  json?: boolean | undefined;
}

/**
 * The state `state rm` / `state mv` edit: `-s`, or with `-n` the namespace's
 * file plus `_shared.json`, as plan and apply find them. Only the manifest is
 * read (for `-n`); the configs are not needed to edit state.
 */
function sourcesOf(flags: SurgeryFlags, io: CliIo): Sources {
  const { env } = loadEnvFiles(flags.envFile, { cwd: io.cwd, processEnv: io.env });
  return resolveSources(
    flags,
    io.cwd,
    (manifest) => loadFile(manifest, { env, allowUnresolvedSecrets: true }).namespaces,
  );
}

/** The state as messages and `--json` name it: a path relative to the working directory, a URL without its password. */
function shown(sources: Sources, io: CliIo): string {
  if (isStateUrl(sources.statePath)) return stateBackendFor(sources).location;
  return relative(io.cwd, sources.statePath) || sources.statePath;
}

/** `stratum state rm ADDR...`: forgets resources; the hosts are not touched. */
export async function runStateRm(
  flags: SurgeryFlags & JsonFlag & { addrs: string[] },
  io: CliIo,
): Promise<number> {
  const sources = sourcesOf(flags, io);
  const removed = await forgetResources(stateBackendFor(sources), flags.addrs, process.argv.slice(2));
  if (flags.json) {
    const document: StateRmDocument = {
      format_version: STATE_COMMAND_FORMAT_VERSION,
      state: shown(sources, io),
      removed: [...removed],
    };
    io.out(JSON.stringify(document));
    return 0;
  }
  for (const key of removed) io.out(`forgot ${key} (the host was not touched)`);
  io.out(`State saved to ${shown(sources, io)}`);
  return 0;
}

/** `stratum state mv FROM TO`: renames a resource in state; the next plan shows no delete and create. */
export async function runStateMv(
  flags: SurgeryFlags & JsonFlag & { from: string; to: string },
  io: CliIo,
): Promise<number> {
  const sources = sourcesOf(flags, io);
  const moved = await moveResource(stateBackendFor(sources), flags.from, flags.to, process.argv.slice(2));
  if (flags.json) {
    const document: StateMvDocument = {
      format_version: STATE_COMMAND_FORMAT_VERSION,
      state: shown(sources, io),
      moved: moved.length === 0 ? null : { from: moved[0]!, to: moved[1]! },
    };
    io.out(JSON.stringify(document));
    return 0;
  }
  if (moved.length === 0) io.out(`${flags.from} is already at that address; nothing to do`);
  else io.out(`moved ${moved[0]} to ${moved[1]}`);
  io.out(`State saved to ${shown(sources, io)}`);
  return 0;
}

/** `stratum state history [RUN]`: the runs the state's backend recorded, newest first, or one with its steps. */
export async function runStateHistory(
  flags: SurgeryFlags & JsonFlag & { run?: string | undefined },
  io: CliIo,
): Promise<number> {
  const sources = sourcesOf(flags, io);
  const backend = stateBackendFor(sources);
  const history = backend.history;
  if (history === undefined) {
    throw new CliError('HistoryNotKept', `the state backend of ${shown(sources, io)} keeps no history`, {
      hint: 'the file and postgres:// backends keep one; this backend does not implement `history`',
    });
  }
  if (flags.run === undefined) {
    const runs = await history.list();
    if (flags.json) io.out(JSON.stringify(historyListDocument(runs)));
    else if (runs.length === 0) io.out(`No runs recorded for ${shown(sources, io)}.`);
    else for (const run of runs) io.out(runLine(run));
    return 0;
  }
  const run = await history.show(flags.run);
  if (run === undefined) {
    throw new CliError('RunNotFound', `no run ${flags.run} in the history of ${shown(sources, io)}`, {
      hint: '`stratum state history` lists the recorded runs and their ids',
    });
  }
  if (flags.json) {
    io.out(JSON.stringify(historyRunDocument(run)));
    return 0;
  }
  io.out(runLine(run));
  io.out(`  pid ${run.pid}, finished ${run.finishedAt ?? '-'}`);
  io.out(`  args: ${run.args.join(' ')}`);
  for (const config of run.configs) io.out(`  config ${config.path} ${config.sha256}`);
  if (run.error !== undefined) io.out(`  error: ${run.error}`);
  for (const step of run.steps)
    io.out(
      `  ${step.result.padEnd(7)} ${step.action.padEnd(6)} ${step.address}${step.error ? `: ${step.error}` : ''}`,
    );
  return 0;
}

function runLine(run: RunRecord): string {
  const count = (result: string) => run.steps.filter((step) => step.result === result).length;
  const counts = `${count('ok')} ok, ${count('failed')} failed, ${count('skipped')} skipped`;
  return `${run.id}  ${run.startedAt}  ${run.who}  ${run.kind}  ${run.result}  (${counts})`;
}
