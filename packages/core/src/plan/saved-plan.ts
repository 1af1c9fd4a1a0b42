import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { addrKey } from '../addr';
import { StratumError } from '../errors';
import { isJsonObject, jsonValueSchema } from '../json';
import { markersIn } from '../secrets/markers';
import { redactSteps } from '../secrets/redact';
import type { RedactionMap } from '../secrets/redaction-map';
import { stateDigest } from '../state/journal';
import { serializeState } from '../state/schema';
import type { JsonValue, Plan, State } from '../types';
import { firstIssue } from '../zod-issue';

/**
 * A plan saved to a file (`stratum plan -o PLANFILE`) to be applied later,
 * exactly (`stratum apply PLANFILE`). It records what the plan was made from —
 * the prior state's digest, the configs' digests, the secrets' digests — and
 * the plan's steps, redacted: the file holds no secret plaintext. At apply the
 * secrets are resolved again, the plan is made again under the state lock and
 * must come out the same, or nothing is applied.
 *
 * Bump {@link SAVED_PLAN_VERSION} on any incompatible change.
 */
export const SAVED_PLAN_VERSION = 1;
export const SAVED_PLAN_FORMAT = 'stratum-plan';

const sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/);

/** One config file a saved plan was made from. */
export const savedPlanConfigSchema = z.strictObject({
  path: z.string(),
  sha256: sha256.meta({ description: "`sha256:<hex>` of the file's bytes." }),
});

export type SavedPlanConfig = z.infer<typeof savedPlanConfigSchema>;

export const savedStepSchema = z.strictObject({
  address: z.string().meta({ description: '`kind.name`, or `kind.name["key"]` for an instance' }),
  provider: z.string(),
  action: z.enum(['create', 'update', 'delete', 'noop']),
  changes: z.array(z.strictObject({ field: z.string(), from: jsonValueSchema, to: jsonValueSchema })),
  // Redacted: secrets are marker objects. desired is null for a delete, prior null for a create.
  desired: jsonValueSchema,
  prior: jsonValueSchema,
  /** Why the step re-runs, when a `triggered_by` resource changed (a re-run is part of what is applied). */
  trigger: z
    .strictObject({ verb: z.string(), by: z.array(z.string()), pending: z.array(z.string()) })
    .optional(),
});

export type SavedStep = z.infer<typeof savedStepSchema>;

/**
 * The document in a plan file, and the one definition of it: {@link SavedPlan}
 * is inferred from it, {@link parseSavedPlan} checks a file against it, and the
 * CLI publishes it as `schemas/saved-plan.schema.json`. Strict: stratum refuses
 * a file with a field it does not know rather than apply a plan it half reads.
 */
export const savedPlanSchema = z
  .strictObject({
    format: z.literal(SAVED_PLAN_FORMAT),
    format_version: z.literal(SAVED_PLAN_VERSION),
    created_at: z.iso.datetime(),
    mode: z.enum(['bundle', 'namespace']),
    namespace: z.string().nullable(),
    state: z.strictObject({
      location: z.string(),
      digest: z.string().meta({ description: 'Digest of the prior state the plan was made against.' }),
    }),
    configs: z.array(savedPlanConfigSchema),
    secrets: z
      .record(z.string(), z.string())
      .meta({ description: 'Secret name → its salted digest (never the value), checked at apply.' }),
    steps: z
      .array(savedStepSchema)
      .meta({ description: 'The redacted steps, without refresh annotations (drift is not applied).' }),
  })
  .meta({
    title: 'stratum plan -o PLANFILE',
    description:
      'A plan saved by `stratum plan -o PLANFILE`, applied by `stratum apply PLANFILE`. Holds no secret plaintext.',
  });

export type SavedPlan = z.infer<typeof savedPlanSchema>;

/** Every code a saved-plan error can carry. */
export type SavedPlanErrorCode =
  /** The plan file is not JSON, or not a stratum plan file of a known version. */
  | 'PlanFileInvalid'
  /** The state changed since the plan was made (another apply, `state rm`, ...). */
  | 'PlanStale'
  /** A config file changed (or the set of configs did) since the plan was made. */
  | 'PlanConfigChanged'
  /** A secret resolves to another value than when the plan was made. */
  | 'PlanSecretChanged'
  /** The plan made again at apply is not the saved one (a local file it reads changed, a kind changed). */
  | 'PlanMismatch';

export class SavedPlanError extends StratumError<SavedPlanErrorCode> {
  static override readonly marker: string = '@stratum/core/SavedPlanError';

  constructor(
    code: SavedPlanErrorCode,
    message: string,
    options: { hint?: string; details?: string[] } = {},
  ) {
    super(code, message, options);
    this.name = 'SavedPlanError';
  }
}

/** The digest a saved plan records of the prior state: of its canonical serialisation, so any backend can compute it. */
export function priorStateDigest(state: State): string {
  return stateDigest(serializeState(state));
}

/** What {@link savePlan} records besides the plan. */
export interface SavePlanInputs {
  readonly state: State;
  readonly stateLocation: string;
  readonly configs: readonly SavedPlanConfig[];
  readonly mode: SavedPlan['mode'];
  readonly namespace?: string | undefined;
  readonly redaction?: RedactionMap | undefined;
  readonly now?: Date | undefined;
}

/** The saved form of an unredacted `plan`. */
export function savePlan(plan: Plan, inputs: SavePlanInputs): SavedPlan {
  const secrets: Record<string, string> = {};
  for (const name of inputs.redaction?.names().sort() ?? [])
    secrets[name] = inputs.redaction!.byName(name)!.digest;
  return {
    format: SAVED_PLAN_FORMAT,
    format_version: SAVED_PLAN_VERSION,
    created_at: (inputs.now ?? new Date()).toISOString(),
    mode: inputs.mode,
    namespace: inputs.namespace ?? null,
    state: { location: inputs.stateLocation, digest: priorStateDigest(inputs.state) },
    configs: inputs.configs.map((config) => ({ ...config })),
    secrets,
    steps: savedSteps(plan, inputs.redaction),
  };
}

function savedSteps(plan: Plan, redaction: RedactionMap | undefined): SavedStep[] {
  const steps = redaction === undefined ? plan.steps : redactSteps(plan.steps, redaction);
  return steps.map((step) => ({
    address: addrKey(step.addr),
    provider: step.provider,
    action: step.action,
    changes: step.changes.map((change) => ({ ...change })),
    desired: step.desired,
    prior: step.prior,
    ...(step.trigger === undefined
      ? {}
      : { trigger: { ...step.trigger, by: [...step.trigger.by], pending: [...step.trigger.pending] } }),
  }));
}

/** Reads a plan file's text; `path` names it in errors. */
export function parseSavedPlan(text: string, path: string): SavedPlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(path, `is not JSON (${(error as Error).message})`);
  }
  if (!isJsonObject(value as JsonValue) || (value as { format?: unknown }).format !== SAVED_PLAN_FORMAT)
    throw invalid(path, 'is not a stratum plan file');
  const doc = value as { format_version?: unknown };
  if (doc.format_version !== SAVED_PLAN_VERSION) {
    throw new SavedPlanError(
      'PlanFileInvalid',
      `plan file ${path} has format_version ${JSON.stringify(doc.format_version)}; this stratum reads ${SAVED_PLAN_VERSION}`,
      { hint: 'make the plan again with this stratum: stratum plan -o PLANFILE' },
    );
  }
  const checked = savedPlanSchema.safeParse(value);
  if (!checked.success) {
    throw invalid(path, `is not a valid stratum plan file: ${firstIssue(checked.error)}`);
  }
  // The parsed JSON rather than zod's copy, which would turn an attribute named
  // `__proto__` into a prototype (see loadState); it is plain JSON.parse output.
  return value as SavedPlan;
}

function invalid(path: string, what: string): SavedPlanError {
  return new SavedPlanError('PlanFileInvalid', `plan file ${path} ${what}`, {
    hint: 'pass a file written by `stratum plan -o PLANFILE`',
  });
}

/** Refuses when the configs are not the ones the plan was made from (paths and bytes). */
export function checkSavedConfigs(saved: SavedPlan, configs: readonly SavedPlanConfig[]): void {
  const now = new Map(configs.map((c) => [c.path, c.sha256]));
  const then = new Map(saved.configs.map((c) => [c.path, c.sha256]));
  const details: string[] = [];
  for (const [path, digest] of then) {
    if (!now.has(path)) details.push(`${path}: no longer loaded`);
    else if (now.get(path) !== digest) details.push(`${path}: changed since the plan was made`);
  }
  for (const path of now.keys())
    if (!then.has(path)) details.push(`${path}: loaded now, not when the plan was made`);
  if (details.length === 0) return;
  throw new SavedPlanError(
    'PlanConfigChanged',
    'refusing to apply the saved plan: the configs changed since it was made',
    {
      details,
      hint: 'make the plan again (stratum plan -o PLANFILE), review it, and apply that',
    },
  );
}

/**
 * Lets the run's secrets take the digests the saved plan recorded, where the
 * value is still the same: then equal secrets redact to equal markers. Call it
 * before planning again (planning settles every digest).
 */
export async function adoptSavedDigests(
  saved: SavedPlan,
  redaction: RedactionMap | undefined,
): Promise<void> {
  await redaction?.settle([
    ...Object.entries(saved.secrets).map(([name, digest]) => ({ name, digest })),
    ...markersIn(saved.steps),
  ]);
}

/**
 * Checks, under the state lock, that `plan` (made again at apply from the
 * state just read) is the saved plan: the state is the one it was made
 * against, every secret still has the value it had, and the steps are the
 * same. Plan after {@link adoptSavedDigests}.
 */
export async function checkSavedPlan(
  saved: SavedPlan,
  plan: Plan,
  state: State,
  redaction: RedactionMap | undefined,
): Promise<void> {
  const digest = priorStateDigest(state);
  if (digest !== saved.state.digest) {
    throw new SavedPlanError(
      'PlanStale',
      'refusing to apply the saved plan: the state changed since it was made',
      {
        details: [`plan made against ${saved.state.digest}, state is now ${digest}`],
        hint: 'another run changed the state; make the plan again (stratum plan -o PLANFILE) and apply that',
      },
    );
  }
  const changed: string[] = [];
  for (const [name, secretDigest] of Object.entries(saved.secrets)) {
    const secret = redaction?.byName(name);
    if (secret === undefined || !redaction!.matches(secret.plaintext, secretDigest)) changed.push(name);
  }
  for (const name of redaction?.names() ?? []) if (!(name in saved.secrets)) changed.push(name);
  if (changed.length > 0) {
    throw new SavedPlanError(
      'PlanSecretChanged',
      `refusing to apply the saved plan: secret${changed.length === 1 ? '' : 's'} ${changed.map((n) => `\`${n}\``).join(', ')} changed since it was made`,
      { hint: 'set the secret sources as they were when the plan was made, or make the plan again' },
    );
  }
  const now = savedSteps(plan, redaction);
  const differs = diffSteps(saved.steps, now);
  if (differs.length > 0) {
    throw new SavedPlanError(
      'PlanMismatch',
      'refusing to apply the saved plan: planning again gives another plan',
      {
        details: differs,
        hint: 'something the plan reads besides state and configs changed (a local file); make the plan again',
      },
    );
  }
}

function diffSteps(savedSteps: readonly SavedStep[], nowSteps: readonly SavedStep[]): string[] {
  // Compared as JSON: the saved side went through a file, the other did not.
  const saved = asJson(savedSteps);
  const now = asJson(nowSteps);
  const out: string[] = [];
  const byAddress = new Map(now.map((s) => [s.address, s]));
  for (const step of saved) {
    const current = byAddress.get(step.address);
    if (current === undefined) out.push(`${step.address}: no longer in the plan`);
    else if (!isDeepStrictEqual(step, current)) out.push(`${step.address}: planned differently now`);
    byAddress.delete(step.address);
  }
  for (const address of byAddress.keys()) out.push(`${address}: new in the plan`);
  if (
    out.length === 0 &&
    !isDeepStrictEqual(
      saved.map((s) => s.address),
      now.map((s) => s.address),
    )
  )
    out.push('the steps are in another order');
  return out;
}

function asJson(steps: readonly SavedStep[]): SavedStep[] {
  return JSON.parse(JSON.stringify(steps)) as SavedStep[];
}
