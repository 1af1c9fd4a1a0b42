import { addrKey, type Plan } from '@stratum/core';
import type { Sources } from '../sources';

/**
 * `plan --json`: one versioned document with what the text output shows, for
 * tools. Expects a REDACTED plan; secrets appear as marker objects
 * (`{"__secret": NAME, "__secret_sha256": "sha256:..."}`), never plaintext.
 * Bump `format_version` on any incompatible change; additions keep it.
 */
export const PLAN_FORMAT_VERSION = 1;

export function planDocument(plan: Plan, sources: Sources) {
  return {
    format_version: PLAN_FORMAT_VERSION,
    mode: sources.mode,
    namespace: sources.namespace ?? null,
    configs: sources.configs,
    state: sources.statePath,
    refreshed: plan.wasRefreshed(),
    summary: plan.summary(),
    warnings: plan.warnings,
    steps: plan.steps.map((step) => ({
      address: addrKey(step.addr),
      kind: step.addr.kind,
      name: step.addr.name,
      provider: step.provider,
      action: step.action,
      changes: step.changes,
      drift: step.drift ?? null,
      trigger: step.trigger ?? null,
      desired: step.desired,
      prior: step.prior,
    })),
  };
}
