import type { Observed, Probe, Transport } from '@stratum/core';
import { shellQuote } from '@stratum/core/kit';

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
