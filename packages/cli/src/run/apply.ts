import { relative } from 'node:path';
import {
  acquireStateLock,
  addrKey,
  type JsonObject,
  type Plan,
  type PlannedResource,
  type ProviderContext,
  planRepairs,
  pollContainerHealth,
  type RedactionMap,
  redactInto,
  redactPlan,
  refreshPlan,
  type StateLock,
  StratumError,
} from '@stratum/core';
import { containerHealthInspector } from '@stratum/provider-docker';
import { applyPlan } from '../apply/engine';
import { CliError } from '../errors';
import { type CliIo, styler } from '../io';
import { driftParts, renderPlanLines } from '../output/plan-text';
import { createProgress } from '../output/progress';
import { type Loaded, loadConfig, loadStateFor, type PlanFlags, planFor, saveStateFor } from '../pipeline';
import { providerSettings } from '../provider-loader';
import { openHostRuntime } from '../runtime';
import { refreshed } from './plan';

export interface ApplyCommandFlags extends PlanFlags {
  yes?: boolean | undefined;
  /** Read every resource from its host first and repair what drifted (core's `planRepairs`). */
  refresh?: boolean | undefined;
  allowDestroy?: boolean | undefined;
  json?: boolean | undefined;
}

/**
 * `stratum apply`: plan, guards (destruction, unresolved secrets), the `-y`
 * gate, then the steps through the providers with state saved after each, and
 * the post-apply self-check. Holds the state lock from before it reads state
 * until it is done, so two applies can never interleave.
 */
export async function runApply(flags: ApplyCommandFlags, io: CliIo): Promise<number> {
  const loaded = await loadConfig(flags, io);
  const { sources } = loaded;
  const locks = flags.yes ? await lockState(sources, io) : [];
  try {
    const state = await loadStateFor(sources);
    let plan = await planFor(loaded, state);
    if (flags.refresh) plan = planRepairs(await refreshed(plan, loaded, io, flags));
    const shown = redactPlan(plan);
    const emit = jsonEmitter(flags, io, loaded.extracted.redaction);
    if (emit) emit({ type: 'plan', summary: shown.summary(), steps: shown.steps.map(stepEvent) });
    else for (const line of renderPlanLines(shown, styler(io.isTTY))) io.out(line);

    guardDestroy(plan, loaded, flags, io);
    guardUnresolved(plan);
    if (!flags.yes) {
      io.out('Apply? Re-run with -y to execute against remote hosts.');
      return 0;
    }
    const summary = plan.summary();
    if (summary.create + summary.update + summary.delete === 0) {
      if (emit) emit({ type: 'done', result: 'nothing-to-do' });
      else io.out('Nothing to do.');
      return 0;
    }
    if (!emit) io.out('!! Applying: side effects WILL execute on remote hosts.');

    const progress = createProgress(io, { live: io.isTTY && !emit });
    const runtime = openHostRuntime(
      loaded.extracted,
      { ...io, err: (line) => progress.log(line) },
      { verbose: flags.verbose, sshConfig: flags.sshConfig },
    );
    try {
      await configureProviders(loaded, runtime.ctx);
      const outcome = await applyPlan(plan, {
        registry: loaded.registry,
        ctx: runtime.ctx,
        redaction: loaded.extracted.redaction,
        state,
        persist: (s) => saveStateFor(sources, s),
        afterStep: (step) => readinessWait(step, runtime.ctx),
        onEvent: (event) => {
          if (emit) emit({ type: `step_${event.type}`, ...stepEvent(event.step), ...eventExtra(event) });
          else if (event.type === 'start') progress.start(event.step, event.host);
          else if (event.type === 'done') progress.done(event.step, event.elapsedMs);
          else progress.failed(event.step);
        },
      });
      progress.stop();
      const statePath = relative(io.cwd, sources.statePath) || sources.statePath;
      if (outcome.failure) {
        const done = outcome.completed.length;
        const total = plan.steps.filter((s) => s.action !== 'noop').length;
        if (emit) emit({ type: 'state_saved', path: sources.statePath, completed: done });
        const failedAt = addrKey(outcome.failure.step.addr);
        // Provider errors already start with the address; say it once.
        const cause = messageOf(outcome.failure.error).replace(
          new RegExp(`^${escapeRegExp(failedAt)}: `),
          '',
        );
        throw new CliError('ApplyFailed', `apply failed at ${failedAt}: ${cause}`, {
          // State is written after each completed step only: with none, nothing was written.
          details: [
            done === 0
              ? `No step was applied; ${statePath} is unchanged.`
              : `State saved to ${statePath} (${done} of ${total} steps applied).`,
          ],
          hint:
            (StratumError.isInstance(outcome.failure.error) ? outcome.failure.error.hint : undefined) ??
            'fix the cause and re-run apply; completed steps are in state and will not be redone',
          cause: outcome.failure.error,
        });
      }
      if (emit) emit({ type: 'state_saved', path: sources.statePath, completed: outcome.completed.length });
      else io.out(`State saved to ${statePath}`);
      const check = await selfCheck(flags, io, runtime.ctx);
      if (emit) emit({ type: 'post_apply', summary: check.summary() });
      else io.out(postApplyLine(check));
    } finally {
      progress.stop();
      await runtime.close();
    }
    return 0;
  } finally {
    for (const lock of locks.reverse()) await lock.release();
  }
}

function guardDestroy(plan: Plan, loaded: Loaded, flags: ApplyCommandFlags, io: CliIo): void {
  const deletes = plan.steps.filter((s) => s.action === 'delete');
  if (deletes.length === 0 || flags.allowDestroy) return;
  const noun = deletes.length === 1 ? 'resource' : 'resources';
  throw new CliError(
    'DestroyRefused',
    `refusing to apply: plan would delete ${deletes.length} ${noun} not in config:`,
    {
      details: [
        ...deletes.map((s) => `  - ${addrKey(s.addr)}`),
        `loaded configs: ${loaded.sources.configs.map((c) => relative(io.cwd, c) || c).join(', ')}`,
        `state file: ${relative(io.cwd, loaded.sources.statePath) || loaded.sources.statePath}`,
      ],
      hint: 'if this is intended, re-run with --allow-destroy. If not, you may be applying against the wrong state file (-s), have forgotten a -c flag, or be in the wrong namespace (-n).',
    },
  );
}

function guardUnresolved(plan: Plan): void {
  const found = JSON.stringify(plan.steps.map((s) => s.desired)).match(/<unresolved-secret:([^>]+)>/);
  if (!found) return;
  throw new CliError(
    'UnresolvedSecret',
    `refusing to apply: plan contains unresolved-secret placeholder for \`${found[1]}\``,
    {
      hint: "this only happens via `plan --allow-unresolved-secrets`; set the secret's source and retry.",
    },
  );
}

/** After a container is (re)created: wait for its healthcheck, else give docker a beat. */
async function readinessWait(step: PlannedResource, ctx: ProviderContext): Promise<void> {
  if (step.addr.kind !== 'docker_container') return;
  const desired = step.desired as JsonObject;
  const host = desired.host as string;
  const name = typeof desired.name === 'string' ? desired.name : step.addr.name;
  if (typeof desired.healthcheck === 'object' && desired.healthcheck !== null) {
    await pollContainerHealth(containerHealthInspector(ctx.transport, host, name, { signal: ctx.signal }), {
      signal: ctx.signal,
    });
    return;
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

async function configureProviders(loaded: Loaded, ctx: ProviderContext): Promise<void> {
  for (const decl of loaded.extracted.providers) {
    const provider = loaded.registry.providers().find((p) => p.name === decl.name);
    await provider?.configure?.(providerSettings(decl), ctx);
  }
}

/**
 * The state lock for the whole apply. In namespace mode `_shared.json` is
 * written too, and another namespace's apply may write it at the same time,
 * so it gets a lock of its own (always taken second, so two applies cannot
 * deadlock).
 */
async function lockState(sources: Loaded['sources'], io: CliIo): Promise<StateLock[]> {
  const onStaleLock = (stale: { pid: number; host: string }, path: string) =>
    io.err(`[state] took over a stale lock ${path} left by pid ${stale.pid} on ${stale.host}`);
  const locks = [await acquireStateLock(sources.statePath, { command: 'stratum apply', onStaleLock })];
  if (sources.sharedStatePath) {
    try {
      locks.push(await acquireStateLock(sources.sharedStatePath, { command: 'stratum apply', onStaleLock }));
    } catch (error) {
      await locks[0]!.release();
      throw error;
    }
  }
  return locks;
}

/** The spec's post-apply self-check: reload, re-plan against the new state, refresh. */
async function selfCheck(flags: ApplyCommandFlags, io: CliIo, ctx: ProviderContext): Promise<Plan> {
  const quietIo: CliIo = { ...io, err: () => {} };
  const loaded = await loadConfig(flags, quietIo);
  const state = await loadStateFor(loaded.sources);
  return refreshPlan(await planFor(loaded, state), loaded.registry, ctx);
}

function postApplyLine(plan: Plan): string {
  const parts = driftParts(plan.summary());
  return parts.length === 0
    ? 'post-apply drift: clean'
    : `post-apply drift: ${parts.join(', ')} — run 'stratum plan --refresh' to see details`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Emit = (event: Record<string, unknown>) => void;

/** `apply --json`: one JSON object per line, versioned by the first event. */
function jsonEmitter(flags: ApplyCommandFlags, io: CliIo, redaction: RedactionMap): Emit | undefined {
  if (!flags.json) return undefined;
  io.out(JSON.stringify({ type: 'stream', format_version: 1 }));
  // Error messages can carry a provider's stderr, which could echo a secret.
  return (event) => io.out(JSON.stringify(redactInto(event as JsonObject, redaction)));
}

function stepEvent(step: PlannedResource) {
  return { address: addrKey(step.addr), action: step.action };
}

function eventExtra(event: Parameters<NonNullable<Parameters<typeof applyPlan>[1]['onEvent']>>[0]) {
  if (event.type === 'done') return { elapsed_ms: Math.round(event.elapsedMs) };
  if (event.type === 'failed') return { error: messageOf(event.error) };
  return { host: event.host ?? null };
}
