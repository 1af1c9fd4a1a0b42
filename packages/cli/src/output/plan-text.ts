import {
  addrKey,
  type Drift,
  type FieldChange,
  type Plan,
  type PlannedResource,
  type PlanSummary,
  type Registry,
  renderChange,
  renderValue,
  SHOWN_DIGEST_CHARS,
  type StepTrigger,
  secretDigestFields,
} from '@stratum/core';
import type { Styler } from '../io';

/**
 * The plan as people read it. Expects a REDACTED plan (`redactPlan`): this
 * module only prints what it is given.
 *
 *     + docker_network.edge
 *     ~ docker_container.db
 *         ~ env.POSTGRES_PASSWORD: <secret:pg sha:f7c3bc> -> <secret:pg sha:9a1e44>
 *       system_package.curl
 *     - system_ufw_rule.old
 *
 *     1 create, 1 update, 1 delete, 1 no-op
 */
const SYMBOL: Record<PlannedResource['action'], string> = {
  create: '+',
  update: '~',
  delete: '-',
  noop: ' ',
};

/**
 * Which state fields of a kind are digests of a secret (they print short).
 * From the kinds' own declarations; a kind the registry does not know has none.
 */
export type SecretDigests = (kind: string) => ReadonlySet<string>;

export function secretDigestsFrom(registry: Registry): SecretDigests {
  const cache = new Map<string, ReadonlySet<string>>();
  return (kind) => {
    let fields = cache.get(kind);
    if (fields === undefined) {
      fields = registry.has(kind) ? secretDigestFields(registry.forKind(kind).handler) : new Set();
      cache.set(kind, fields);
    }
    return fields;
  };
}

const NO_SECRET_DIGESTS: SecretDigests = () => new Set();

export function renderPlanLines(
  plan: Plan,
  style: Styler,
  secretDigests: SecretDigests = NO_SECRET_DIGESTS,
): string[] {
  const lines: string[] = [];
  const shorten = (step: PlannedResource, change: FieldChange) =>
    shortenSecretDigest(secretDigests(step.addr.kind), change);
  for (const warning of plan.warnings) lines.push(style.yellow(`warning: ${warning}`));
  for (const step of plan.steps) {
    lines.push(stepHeadline(step, style));
    for (const change of step.action === 'update' ? step.changes : []) {
      lines.push(`    ${style.yellow('~')} ${renderChange(shorten(step, change))}`);
    }
    if (step.drift) lines.push(...driftLines(step, step.drift, style, (c) => shorten(step, c)));
  }
  lines.push('');
  lines.push(summaryLine(plan.summary()));
  if (plan.wasRefreshed()) lines.push(driftFooter(plan.summary()));
  return lines;
}

/**
 * Why a step re-runs: `restart: system_file.nginx_conf changed`, and for a
 * re-run an earlier apply owed, `… changed in an earlier apply`.
 */
export function triggerReason(trigger: StepTrigger): string {
  const parts: string[] = [];
  if (trigger.by.length > 0) parts.push(`${trigger.by.join(', ')} changed`);
  if (trigger.pending.length > 0) parts.push(`${trigger.pending.join(', ')} changed in an earlier apply`);
  return `${trigger.verb}: ${parts.join('; ')}`;
}

/**
 * A secret's digest field prints like a secret marker's: six hex digits,
 * enough to see it changed, too few to test guesses against offline.
 */
function shortenSecretDigest(fields: ReadonlySet<string>, change: FieldChange): FieldChange {
  if (!fields.has(change.field)) return change;
  const short = (value: FieldChange['from']) =>
    typeof value === 'string' ? `sha:${value.replace(/^sha256:/, '').slice(0, SHOWN_DIGEST_CHARS)}` : value;
  return { ...change, from: short(change.from), to: short(change.to) };
}

function stepHeadline(step: PlannedResource, style: Styler): string {
  const reason = step.trigger === undefined ? '' : `  (${triggerReason(step.trigger)})`;
  const text = `${SYMBOL[step.action]} ${addrKey(step.addr)}${reason}`;
  switch (step.action) {
    case 'create':
      return style.green(text);
    case 'update':
      return style.yellow(text);
    case 'delete':
      return style.red(text);
    default:
      return style.dim(text);
  }
}

function driftLines(
  step: PlannedResource,
  drift: Drift,
  style: Styler,
  shorten: (change: FieldChange) => FieldChange,
): string[] {
  const lines: string[] = [];
  if (drift.missing) {
    lines.push(
      step.action === 'delete'
        ? style.dim('    (already gone on host; delete will noop)')
        : style.red('    ! DRIFT: resource missing on host (state says exists)'),
    );
  }
  for (const change of drift.changes.map(shorten)) {
    lines.push(
      style.red(
        `    ! DRIFT: ${change.field}: state=${renderValue(change.from)} observed=${renderValue(change.to)}`,
      ),
    );
  }
  if (drift.unreadable !== undefined) lines.push(style.dim(`    ? unreadable: ${drift.unreadable}`));
  return lines;
}

export function summaryLine(summary: PlanSummary): string {
  return `${summary.create} create, ${summary.update} update, ${summary.delete} delete, ${summary.noop} no-op`;
}

/** `drift: clean`, or the non-zero counts: `drift: 2 differ, 1 missing, 4 unreadable`. */
export function driftFooter(summary: PlanSummary, prefix = 'drift'): string {
  const parts = driftParts(summary);
  return parts.length === 0 ? `${prefix}: clean` : `${prefix}: ${parts.join(', ')}`;
}

export function driftParts(summary: PlanSummary): string[] {
  const parts: string[] = [];
  if (summary.drifted > 0) parts.push(`${summary.drifted} differ`);
  if (summary.missing > 0) parts.push(`${summary.missing} missing`);
  if (summary.unreadable > 0) parts.push(`${summary.unreadable} unreadable`);
  return parts;
}
