import type { Drift, JsonValue, Observed, Probe, Provider, ProviderContext, Transport } from '@stratum/core';
import { createPlan, Registry, refreshPlan, shellQuote } from '@stratum/core';
import { createTestContext } from '@stratum/core/test';

/**
 * Runs one probe the way a probe batch runs each of its snippets (in a
 * subshell, stdin from /dev/null, stderr folded into stdout) and parses it.
 */
export async function runProbe(transport: Transport, probe: Probe): Promise<Observed> {
  const result = await transport.exec(probe.host, `( eval ${shellQuote(probe.script)} ) </dev/null 2>&1`, {
    idempotent: true,
  });
  return probe.parse(result.stdout + result.stderr, result.exitCode);
}

/** Reads one resource through core's `refreshPlan` (the real batch path) and returns its drift. */
export async function refreshOne(
  providers: Provider[],
  ctx: ProviderContext,
  kind: string,
  name: string,
  prior: JsonValue,
): Promise<Drift> {
  const provider = providers.find((p) => kind.startsWith(`${p.name}_`))!;
  const plan = createPlan([
    { addr: { kind, name }, provider: provider.name, desired: prior, prior, action: 'noop', changes: [] },
  ]);
  const refreshed = await refreshPlan(plan, new Registry(providers), ctx);
  return refreshed.steps[0]!.drift!;
}

/** A context whose transport is `transport`. */
export function contextFor(transport: Transport) {
  return createTestContext(transport);
}
