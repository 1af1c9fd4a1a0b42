/**
 * The data that flows through stratum: config → desired resources → plan
 * against prior state → apply → new state. Names say which state a value is:
 * `prior` (recorded in state), `desired` (from config), `observed` (read from
 * the live host), `planned` (what the plan decided).
 */

/** Any JSON value. Resource attributes are JSON all the way down. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Identifies one resource: `<kind>.<name>`, e.g. `docker_container.traefik`. */
export interface ResourceAddr {
  readonly kind: string;
  readonly name: string;
}

/** One tracked resource as recorded in the state file. */
export interface ResourceState {
  addr: ResourceAddr;
  /** The provider that owns the kind (the kind's prefix before the first `_`). */
  provider: string;
  /** What the provider returned from its last create / update, secrets redacted. */
  attrs: JsonValue;
  /**
   * The `triggered_by` resources that changed while this resource's re-run
   * (a restart, a command run again) has not happened yet: recorded the moment
   * such a change finishes, cleared once the re-run did. An apply that dies in
   * between leaves it here, so the next apply still owes, and runs, the re-run.
   * Absent (the spec's format) when nothing is owed.
   */
  pending_trigger?: string[] | undefined;
  /**
   * The resources whose attributes this one's desired value read
   * (references, see `PlannedResource.reads`) when it was last applied.
   * Config forgets them once both leave it; teardown still deletes this one
   * first, so what it read keeps serving until it is gone. Absent (the
   * spec's format) when it read none.
   */
  reads?: string[] | undefined;
}

/** The state file's content. `resources` is keyed by `<kind>.<name>`. */
export interface State {
  version: number;
  resources: Record<string, ResourceState>;
}

/** Where a config value came from, for messages like `app.strat:12:5`. */
export interface SourceLocation {
  file?: string | undefined;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** A resource as the config declares it: the input to the planner. */
export interface DesiredResource {
  addr: ResourceAddr;
  provider: string;
  /** Evaluated attributes. Secrets are plaintext here; redaction happens before print and persist. */
  attrs: JsonObject;
  /**
   * Where the resource block and each top-level attribute were declared, when
   * the resource came from a config file. Diagnostics use it; the planner ignores it.
   */
  source?: ResourceSource | undefined;
}

export interface ResourceSource {
  block: SourceLocation;
  attrs: Record<string, SourceLocation>;
  /**
   * The absolute directory of the config file that declared the resource, for
   * local paths its attributes name (`content_file`). Undefined for a config
   * loaded from a string without a base directory.
   */
  dir?: string | undefined;
  /**
   * Every `secret.*` reference written in the block (bare or inside `${...}`),
   * so that the kind's rules on where secrets may appear can be checked once
   * the kind is known.
   */
  secretRefs?: readonly SecretRefSite[] | undefined;
  /**
   * Every `<kind>.<name>.<attr>` reference written in the block. The value is
   * substituted when the config is evaluated; each is an ordering edge too.
   */
  refs?: readonly ResourceRefSite[] | undefined;
}

/** Where one reference to another resource was written in a resource block. */
export interface ResourceRefSite {
  /** The top-level attribute holding it. */
  attr: string;
  /** The referenced resource's address (`system_file.conf`, `system_user.deploy["web1"]`). */
  target: string;
  location: SourceLocation;
  /**
   * Set when the reference reads an attribute the producer's block does not
   * write: one its kind computes at apply (`image_id`). The value is then a
   * known-after-apply marker (see `after-apply.ts`), and validation checks
   * that the producer's kind lists the attribute in its `outputs`.
   */
  output?: string | undefined;
}

/** Where one `secret.*` reference was written in a resource block. */
export interface SecretRefSite {
  /** The top-level attribute holding it (`env` for `env.PG = secret.pg.value`). */
  attr: string;
  /** The secret's name. */
  secret: string;
  location: SourceLocation;
}

export type Action = 'create' | 'update' | 'delete' | 'noop';

/** One changed field. `field` is a dotted path (`env.PORT`), or `<root>` for the whole value. */
export interface FieldChange {
  field: string;
  from: JsonValue;
  to: JsonValue;
}

/** What a provider's read saw on the host. */
export type Observed =
  /** The resource exists; `attrs` is normalised to the same shape as state attrs. */
  | { readonly status: 'present'; readonly attrs: JsonValue }
  /** Confirmed gone on the host. */
  | { readonly status: 'absent' }
  /** The provider cannot tell; `reason` says why (no read for the kind, or the read failed). */
  | { readonly status: 'unknown'; readonly reason: string };

/** Drift of one resource between state and the live host, set by a refresh. */
export interface Drift {
  changes: readonly FieldChange[];
  /** State says the resource exists, the host says it does not. */
  missing: boolean;
  /** Set when the read returned `unknown` or failed. */
  unreadable?: string | undefined;
  /**
   * Set with `unreadable` when the host itself could not be read — unreachable,
   * authentication refused, a host key that does not match — rather than the
   * kind saying it cannot tell. A refresh with such steps did not look at the host.
   */
  unreachable?: true | undefined;
  /** What the read saw, when the resource is present (normalised to the shape of state attrs). */
  observed?: JsonValue | undefined;
}

/** One step of a plan. */
export interface PlannedResource {
  readonly addr: ResourceAddr;
  readonly provider: string;
  /** Desired attrs (null for a delete). */
  readonly desired: JsonValue;
  /** Prior attrs from state (null for a create). */
  readonly prior: JsonValue;
  readonly action: Action;
  /** Field changes of an update (empty for other actions). */
  readonly changes: readonly FieldChange[];
  /** Present only after a refresh, on steps that have prior state. */
  readonly drift?: Drift | undefined;
  /**
   * Set when resources this one lists in `triggered_by` changed: after its own
   * work (if any) the step runs its kind's re-run (a restart). A step whose
   * only work is the re-run is an `update` with no changes.
   */
  readonly trigger?: StepTrigger | undefined;
  /**
   * The resources whose attributes this one's desired value reads
   * (`system_file.conf.path`): their values are already substituted, and each
   * is an ordering edge at apply, as `depends_on` is.
   */
  readonly reads?: readonly string[] | undefined;
}

/** Why and how a step re-runs; see {@link PlannedResource.trigger}. */
export interface StepTrigger {
  /** The kind's word for the re-run, for output: `restart`, `reload`, `re-run`. */
  readonly verb: string;
  /** The `triggered_by` resources this plan creates or updates, in plan order. */
  readonly by: readonly string[];
  /** Those whose change an earlier apply made, and whose re-run it did not get to (state's `pending_trigger`). */
  readonly pending: readonly string[];
}

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  noop: number;
  /** Steps whose refresh found differing fields. */
  drifted: number;
  /** Steps (other than deletes) whose resource is gone on the host. */
  missing: number;
  /** Steps whose refresh could not read the resource. */
  unreadable: number;
  /** Of the unreadable steps, those whose host could not be read at all (see {@link Drift.unreachable}). */
  unreachable: number;
}

/**
 * A plan: an immutable value. Printing, JSON output and apply all read the
 * same object; apply never recomputes what the plan decided.
 */
export interface Plan {
  /** Create / update / noop steps in dependency order, then deletes in teardown order. */
  readonly steps: readonly PlannedResource[];
  /** Non-fatal findings of the planner (e.g. a port range that was not checked). */
  readonly warnings: readonly string[];
  summary(): PlanSummary;
  /** True when any step carries a drift annotation. */
  wasRefreshed(): boolean;
}
