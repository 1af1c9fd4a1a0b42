import { addrKey } from './addr';
import { diffObserved } from './diff';
import { DEFAULT_PARALLELISM, eachLimited } from './each-limited';
import { planRedaction, withDrift } from './plan/plan';
import {
  buildProbeScript,
  newProbeNonce,
  PROBE_BATCH_COMMAND,
  type ProbeRun,
  splitProbeOutput,
} from './probe-batch';
import type { KindHandler, Probe, ProviderContext, ReadRequest, VectorReader } from './provider';
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
  /** How many hosts are read at once (one probe script each). Default {@link DEFAULT_PARALLELISM}. */
  hostConcurrency?: number | undefined;
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
 * probes that share a {@link VectorReader} are one snippet of that script
 * (plus a second round trip for any the reader could not answer);
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
    eachLimited([...byHost], options.hostConcurrency ?? DEFAULT_PARALLELISM, ([host, jobs]) =>
      runProbeBatch(host, jobs, ctx, observed, unreachable),
    ),
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

/**
 * One snippet of a host's probe script: a probe's own script, or one vector
 * read standing in for several probes whose readers share an id.
 */
type Snippet =
  | { readonly type: 'single'; readonly job: ProbeJob }
  | { readonly type: 'vector'; readonly reader: VectorReader; readonly jobs: ProbeJob[] };

/** Groups a host's probes into snippets, in first-seen order; a vector of one is just that probe. */
function snippetsOf(jobs: readonly ProbeJob[], vectors: boolean): Snippet[] {
  const snippets: Snippet[] = [];
  const byReader = new Map<string, Extract<Snippet, { type: 'vector' }>>();
  for (const job of jobs) {
    const vector = vectors ? job.probe.vector : undefined;
    if (vector === undefined) {
      snippets.push({ type: 'single', job });
      continue;
    }
    let group = byReader.get(vector.reader.id);
    if (group === undefined) {
      group = { type: 'vector', reader: vector.reader, jobs: [] };
      byReader.set(vector.reader.id, group);
      snippets.push(group);
    }
    group.jobs.push(job);
  }
  return snippets.map((snippet) =>
    snippet.type === 'vector' && snippet.jobs.length === 1
      ? { type: 'single', job: snippet.jobs[0]! }
      : snippet,
  );
}

function argsOf(jobs: readonly ProbeJob[]): string[] {
  return jobs.map((job) => job.probe.vector!.arg);
}

/**
 * Runs all of one host's probes as one script and records what each saw.
 * Probes a vector read could not answer are read again by their own scripts,
 * in one more round trip (`vectors` false).
 */
async function runProbeBatch(
  host: string,
  jobs: readonly ProbeJob[],
  ctx: ProviderContext,
  observed: Map<string, Observed>,
  unreachable: Set<string>,
  vectors = true,
): Promise<void> {
  let snippets = snippetsOf(jobs, vectors);
  let scripts: string[];
  try {
    scripts = snippets.map((s) =>
      s.type === 'single' ? s.job.probe.script : s.reader.script(argsOf(s.jobs)),
    );
    if (scripts.some((script) => script.includes('\0')))
      throw new Error('a vector read script contains a NUL byte');
  } catch {
    // A reader that cannot build its script changes nothing: every probe runs its own.
    snippets = snippetsOf(jobs, false);
    scripts = snippets.map((s) => (s as Extract<Snippet, { type: 'single' }>).job.probe.script);
  }
  const nonce = newProbeNonce();
  const script = buildProbeScript(scripts, nonce);
  const grouped = snippets.length === jobs.length ? '' : ` as ${snippets.length} snippet(s)`;
  ctx.log.debug(`[refresh] ${host}: ${jobs.length} probe(s)${grouped} in one round trip`);
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
  const { runs, started } = splitProbeOutput(result.stdout, nonce, snippets.length);
  const firstMissing = runs.indexOf(undefined);
  const again: ProbeJob[] = [];
  snippets.forEach((snippet, index) => {
    const run = runs[index];
    const snippetJobs = snippet.type === 'single' ? [snippet.job] : snippet.jobs;
    if (run === undefined) {
      const reason = stoppedReason(host, started, index === firstMissing, result.exitCode, result.stderr);
      for (const job of snippetJobs) observed.set(job.key, unknown(reason));
      return;
    }
    if (snippet.type === 'single') {
      observed.set(snippet.job.key, parseRun(snippet.job.probe, run));
      return;
    }
    const parts = splitVector(snippet.reader, run, argsOf(snippet.jobs));
    snippet.jobs.forEach((job, at) => {
      const part = parts[at];
      if (part === undefined) again.push(job);
      else observed.set(job.key, parseRun(job.probe, part));
    });
  });
  if (again.length > 0) await runProbeBatch(host, again, ctx, observed, unreachable, false);
}

/** A reader's split, where anything but a well-formed answer means "read these one by one". */
function splitVector(
  reader: VectorReader,
  run: ProbeRun,
  args: readonly string[],
): readonly (ProbeRun | undefined)[] {
  try {
    const parts = reader.split(run.output, run.exitCode, args);
    return Array.isArray(parts) && parts.length === args.length ? parts : [];
  } catch {
    return [];
  }
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

/** Runs `read` calls, at most `limit` at once; none start once the signal is aborted. */
async function runReads(
  jobs: readonly ReadJob[],
  limit: number,
  ctx: ProviderContext,
  observed: Map<string, Observed>,
  unreachable: Set<string>,
): Promise<void> {
  await eachLimited(jobs, limit, async (job) => {
    if (ctx.signal.aborted) return;
    try {
      observed.set(job.key, checkObserved(await job.handler.read!(job.request, ctx)));
    } catch (error) {
      observed.set(job.key, failed(error));
      unreachable.add(job.key);
    }
  });
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
