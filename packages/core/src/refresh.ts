import { addrKey } from './addr';
import { diffObserved } from './diff';
import { planRedaction, withDrift } from './plan/plan';
import {
  buildProbeScript,
  newProbeNonce,
  PROBE_BATCH_COMMAND,
  type ProbeRun,
  splitProbeOutput,
} from './probe-batch';
import type { KindHandler, Probe, ProviderContext, ReadRequest } from './provider';
import type { Registry } from './registry';
import type { SecretVerifier } from './secrets/compare';
import type { Drift, Observed, Plan, PlannedResource } from './types';

/** Options of {@link refreshPlan}. */
export interface RefreshOptions {
  /**
   * How many `read` calls (kinds without a probe) may run at once, across all
   * hosts. Probes are not counted: each host's probes are one command. Default 8.
   */
  readConcurrency?: number | undefined;
}

interface ProbeJob {
  readonly key: string;
  readonly probe: Probe;
}

interface ReadJob {
  readonly key: string;
  readonly handler: KindHandler<unknown>;
  readonly request: ReadRequest;
}

/**
 * Reads every resource the plan has prior state for from its host and returns
 * a new plan whose non-create steps carry a {@link Drift}:
 * - `present` → the fields that differ (`diffObserved(prior, observed)`);
 * - `absent` → `missing` (on a delete step the plan summary does not count it:
 *   the resource is already gone and the delete will do nothing);
 * - `unknown`, or any error → `unreadable` with the reason.
 *
 * Cost: one round trip per host. All probes of a host run as one script
 * through one `transport.exec` (see `probe-batch.ts`), hosts in parallel;
 * kinds without a probe fall back to their `read`, at most
 * `options.readConcurrency` at a time. A probe that cannot be built (state
 * lacks what it needs) falls back to the kind's `read` when it has one, and
 * otherwise makes that resource `unreadable`.
 *
 * Never rejects for a resource's sake — a failed read is that resource's
 * `unreadable` — only when `ctx.signal` is aborted.
 */
export async function refreshPlan(
  plan: Plan,
  registry: Registry,
  ctx: ProviderContext,
  options: RefreshOptions = {},
): Promise<Plan> {
  ctx.signal.throwIfAborted();
  const observed = new Map<string, Observed>();
  // Resources whose host could not be read at all (the command did not run), not just the resource.
  const unreachable = new Set<string>();
  const byHost = new Map<string, ProbeJob[]>();
  const reads: ReadJob[] = [];

  for (const step of plan.steps) {
    if (step.action === 'create') continue;
    const key = addrKey(step.addr);
    const job = planRead(step, registry);
    if ('observed' in job) observed.set(key, job.observed);
    else if ('probe' in job) {
      const jobs = byHost.get(job.probe.host) ?? [];
      jobs.push({ key, probe: job.probe });
      byHost.set(job.probe.host, jobs);
    } else reads.push({ key, ...job });
  }

  const limit = Math.max(1, Math.floor(options.readConcurrency ?? 8));
  await Promise.all([
    ...[...byHost].map(([host, jobs]) => runProbeBatch(host, jobs, ctx, observed, unreachable)),
    runReads(reads, limit, ctx, observed, unreachable),
  ]);
  ctx.signal.throwIfAborted();

  // The plan's secrets: what a salted marker in state is matched against.
  const verifier = planRedaction(plan);
  const driftByKey = new Map<string, Drift>();
  for (const step of plan.steps) {
    const seen = observed.get(addrKey(step.addr));
    if (step.action !== 'create' && seen !== undefined)
      driftByKey.set(addrKey(step.addr), toDrift(step, seen, unreachable.has(addrKey(step.addr)), verifier));
  }
  return withDrift(plan, driftByKey);
}

/** How one step is read: already decided, by a probe, or by the handler's `read`. */
function planRead(
  step: PlannedResource,
  registry: Registry,
): { observed: Observed } | { probe: Probe } | Omit<ReadJob, 'key'> {
  let handler: KindHandler<unknown>;
  try {
    handler = registry.forKind(step.addr.kind).handler;
  } catch (error) {
    return { observed: failed(error) };
  }
  const request: ReadRequest = { kind: step.addr.kind, name: step.addr.name, prior: step.prior };
  if (handler.probe !== undefined) {
    try {
      const probe = handler.probe(request);
      if (probe.script.includes('\0')) throw new Error('probe script contains a NUL byte');
      return { probe };
    } catch (error) {
      // A probe that cannot be built from this state (it lacks the host) may still be readable.
      if (handler.read === undefined) return { observed: failed(error) };
    }
  }
  if (handler.read !== undefined) return { handler, request };
  return { observed: unknown('provider does not implement read') };
}

/** Runs all of one host's probes as one script and records what each saw. */
async function runProbeBatch(
  host: string,
  jobs: readonly ProbeJob[],
  ctx: ProviderContext,
  observed: Map<string, Observed>,
  unreachable: Set<string>,
): Promise<void> {
  const nonce = newProbeNonce();
  const script = buildProbeScript(
    jobs.map((job) => job.probe.script),
    nonce,
  );
  ctx.log.debug(`[refresh] ${host}: ${jobs.length} probe(s) in one round trip`);
  let result: Awaited<ReturnType<ProviderContext['transport']['exec']>>;
  try {
    result = await ctx.transport.exec(host, PROBE_BATCH_COMMAND, {
      stdin: script,
      idempotent: true,
      signal: ctx.signal,
    });
  } catch (error) {
    for (const job of jobs) {
      observed.set(job.key, failed(error));
      unreachable.add(job.key);
    }
    return;
  }
  const { runs, started } = splitProbeOutput(result.stdout, nonce, jobs.length);
  const firstMissing = runs.indexOf(undefined);
  jobs.forEach((job, index) => {
    const run = runs[index];
    observed.set(
      job.key,
      run === undefined
        ? unknown(stoppedReason(host, started, index === firstMissing, result.exitCode, result.stderr))
        : parseRun(job.probe, run),
    );
  });
}

function parseRun(probe: Probe, run: ProbeRun): Observed {
  try {
    return checkObserved(probe.parse(run.output, run.exitCode));
  } catch (error) {
    return failed(error);
  }
}

function stoppedReason(
  host: string,
  started: boolean,
  wasRunning: boolean,
  exitCode: number,
  stderr: string,
): string {
  const detail = firstLine(stderr);
  const tail = `exit code ${exitCode}${detail === '' ? '' : `: ${detail}`}`;
  if (!started) return `read failed: the probe script did not start on ${host} (${tail})`;
  return wasRunning
    ? `read failed: the probe script on ${host} stopped while this probe ran (${tail})`
    : `read failed: the probe script on ${host} stopped before this probe ran (${tail})`;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Runs `read` calls, at most `limit` at once. */
async function runReads(
  jobs: readonly ReadJob[],
  limit: number,
  ctx: ProviderContext,
  observed: Map<string, Observed>,
  unreachable: Set<string>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && !ctx.signal.aborted) {
      const job = jobs[next++]!;
      try {
        observed.set(job.key, checkObserved(await job.handler.read!(job.request, ctx)));
      } catch (error) {
        observed.set(job.key, failed(error));
        unreachable.add(job.key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}

/** Guards against a provider returning something that is not an {@link Observed}. */
function checkObserved(value: Observed): Observed {
  const status = (value as { status?: unknown } | null | undefined)?.status;
  if (status === 'present' || status === 'absent' || status === 'unknown') return value;
  throw new Error('the provider returned no valid observation');
}

function toDrift(
  step: PlannedResource,
  seen: Observed,
  hostFailed: boolean,
  verifier: SecretVerifier | undefined,
): Drift {
  switch (seen.status) {
    case 'present':
      return {
        changes: diffObserved(step.prior, seen.attrs, verifier),
        missing: false,
        observed: seen.attrs,
      };
    case 'absent':
      return { changes: [], missing: true };
    case 'unknown':
      return {
        changes: [],
        missing: false,
        unreadable: seen.reason,
        ...(hostFailed ? { unreachable: true } : {}),
      };
  }
}

function unknown(reason: string): Observed {
  return { status: 'unknown', reason };
}

function failed(error: unknown): Observed {
  return unknown(`read failed: ${error instanceof Error ? error.message : String(error)}`);
}
