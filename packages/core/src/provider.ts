import type { ZodType } from 'zod';
import type { HostClaims } from './claims/claims';
import type { Operation, Readiness } from './operation';
import type { Transport } from './transport';
import type { JsonObject, JsonValue, Observed } from './types';

/**
 * The provider contract. A provider owns the kinds whose names start with
 * `<name>_` (the registry routes `docker_container` to the provider named
 * `docker`) and implements each kind with a {@link KindHandler}.
 *
 * Everything particular to a kind lives on its handler: its schema, the
 * claims it makes on a host, its secret-bearing attributes, where a secret
 * may appear, its identity, how it becomes ready, how it is read and what its
 * steps run. Core and the CLI know no kind by name; the built-in kinds use
 * exactly these hooks.
 */

/** Receives the lines a provider's `read` or `configure` prints. Every line passes the engine's secret scrubbing. */
export interface ProviderLogger {
  /** A progress line shown to the operator. */
  trace(line: string): void;
  warn(line: string): void;
  debug(line: string): void;
}

/** What `read` and `configure` may use. Providers get the world only through this. */
export interface ProviderContext {
  readonly transport: Transport;
  readonly log: ProviderLogger;
  /** Aborted when the operator interrupts the run; long operations should stop. */
  readonly signal: AbortSignal;
}

export interface CreateRequest<A = JsonObject> {
  kind: string;
  name: string;
  /** Desired attrs after the kind's schema parsed them (defaults filled in). Secrets are plaintext. */
  attrs: A;
  /** Desired attrs as the config gave them (after `prepare`). */
  raw: JsonObject;
}

export interface UpdateRequest<A = JsonObject> extends CreateRequest<A> {
  /** Attrs recorded in state by the last create / update (secrets redacted to markers). */
  prior: JsonValue;
}

export interface DeleteRequest {
  kind: string;
  name: string;
  prior: JsonValue;
}

export type ReadRequest = DeleteRequest;

/** A resource that was just created or updated, for {@link KindHandler.ready}. */
export interface ReadyRequest<A = JsonObject> {
  kind: string;
  name: string;
  attrs: A;
  /** What the step recorded in state. */
  recorded: JsonObject;
}

/** A step's re-run, for {@link KindTrigger.operation}. */
export interface TriggerRequest<A = JsonObject> {
  kind: string;
  name: string;
  /** Desired attrs after the kind's schema parsed them. Secrets are plaintext. */
  attrs: A;
  /** Desired attrs as the config gave them. */
  raw: JsonObject;
  /**
   * The step's own work this apply, which ran just before: `update` when its
   * attributes changed too (a kind whose update already re-runs returns no
   * operation then), `none` when the re-run is all the step does.
   */
  alongside: 'update' | 'none';
}

/**
 * What a kind does when resources it lists in `triggered_by` change: a service
 * restarts, a command runs again (Terraform's `triggers`, Ansible's handlers —
 * but durable: the engine records the owed re-run in state until it ran).
 * Only kinds with a trigger accept `triggered_by`.
 */
export interface KindTrigger<A = JsonObject> {
  /** The word plans and output show for the re-run (`restart`, `reload`), from the attrs as the config gave them. */
  verb(raw: JsonObject): string;
  /** The re-run's work; undefined when the step's own work already did it. */
  operation(request: TriggerRequest<A>): Operation | undefined | Promise<Operation | undefined>;
}

/** A resource's desired attrs, for {@link KindHandler.claims}. */
export interface ClaimsRequest<A = JsonObject> {
  kind: string;
  name: string;
  /** Parsed by the kind's schema (defaults filled in). */
  attrs: A;
}

/**
 * A read expressed as a shell snippet plus a pure parser of its output. The
 * engine sends every probe for one host as one script in one round trip.
 */
export interface Probe {
  /** The host to run on (the resource's `host`). */
  host: string;
  /** A POSIX sh snippet; it runs in its own subshell with stderr folded into stdout. */
  script: string;
  /** Turns the snippet's output and exit code into an observation. Must not throw. */
  parse(output: string, exitCode: number): Observed;
  /**
   * Lets the engine read this resource together with others of its kind in
   * one snippet (one `stat` over a thousand files instead of a thousand
   * `stat`s). Optional: without it the probe's own `script` runs.
   */
  readonly vector?: ProbeVectorItem | undefined;
}

/** A probe's place in a {@link VectorReader}'s read; see {@link Probe.vector}. */
export interface ProbeVectorItem {
  readonly reader: VectorReader;
  /** What the reader reads for this probe: a path, a name. */
  readonly arg: string;
}

/**
 * Reads many resources of one host with one snippet. The engine gathers the
 * probes of one host whose readers share an `id`, runs `script` over their
 * args once, and hands each probe's `parse` what `split` says its own `script`
 * would have printed. A vector read is an optimisation, never a different
 * answer: where `split` is unsure (an error it cannot attribute, output it
 * does not recognise) it says `undefined`, and that probe's own `script` runs
 * instead.
 */
export interface VectorReader {
  /** Readers with the same id are one reader: probes from different kinds may share it. */
  readonly id: string;
  /** A POSIX sh snippet reading every arg; it runs like a probe's script (stderr folded into stdout). */
  script(args: readonly string[]): string;
  /** Per arg, in order: the output and exit code the probe's own script would give, or undefined. Must not throw. */
  split(output: string, exitCode: number, args: readonly string[]): readonly (VectorRun | undefined)[];
}

/** What one arg of a vector read came to. */
export interface VectorRun {
  readonly output: string;
  readonly exitCode: number;
}

/** Where a resource was declared, for {@link KindHandler.prepare}. */
export interface LocalContext {
  readonly kind: string;
  readonly name: string;
  /**
   * The absolute directory of the config file that declares the resource:
   * relative local paths resolve against it. Undefined for a config that came
   * from a string with no base directory.
   */
  readonly baseDir: string | undefined;
}

/** How a kind treats secrets; see {@link KindHandler.secrets}. */
export interface KindSecrets {
  /**
   * Top-level attributes whose value is secret however the config wrote it
   * (a literal too): plans, JSON output, state and logs show a marker instead.
   */
  readonly attrs?: readonly string[] | undefined;
  /**
   * Where a `secret.*` reference may appear (bare or inside `${...}`): `'*'`,
   * the default, for any attribute that is not an identity attribute, or a list
   * of top-level attributes. Anything else is refused when configs are
   * validated, with `file:line:col`.
   */
  readonly refs?: '*' | readonly string[] | undefined;
  /** What to do instead, shown when a reference is refused (`use system_secret_file for ...`). */
  readonly refusedHint?: string | undefined;
}

export interface KindHandler<A = JsonObject> {
  /**
   * Validates desired attrs at plan time and fills defaults. Unknown attributes
   * should be rejected (`z.strictObject`) so typos are caught before any host is touched.
   */
  readonly schema: ZodType<A>;

  /**
   * Attributes that say which thing on the host the resource is (`host`,
   * `path`, a name). State keeps them in the clear and reads and deletes use
   * them, so they may never hold a secret: a reference to one is refused.
   */
  readonly identity?: readonly string[] | undefined;

  /** Secret-bearing attributes and where secret references may appear. */
  readonly secrets?: KindSecrets | undefined;

  /**
   * Attributes the kind computes while it applies and records in state (a
   * docker image's `image_id`, a checkout's `commit_sha`), each with a
   * sentence for the docs. Another resource may read them
   * (`docker_image.app.image_id`): such a value is known after apply — the
   * plan shows it so, and the engine substitutes what the producer's step
   * recorded. Outputs are strings. Reading an attribute that is neither
   * written in the block nor listed here is refused.
   */
  readonly outputs?: Readonly<Record<string, string>> | undefined;

  /**
   * Attributes state records as a digest under another name:
   * `{ content: 'sha256' }` means state keeps `sha256`, the hex SHA-256 of
   * `content`'s UTF-8 bytes, never `content` itself. The planner diffs the
   * digest against state; when the attribute is secret (see
   * {@link KindSecrets.attrs}) output shows only a short prefix of it.
   */
  readonly digests?: Readonly<Record<string, string>> | undefined;

  /**
   * Turns the attributes as the config wrote them into the ones the kind works
   * with, using local files only: a file inlined into `content`, a relative
   * directory made absolute. Runs once when configs are loaded, before schema
   * validation. Throw an {@link InvalidAttributeError} naming the attribute so
   * the message points at it.
   */
  prepare?(attrs: JsonObject, local: LocalContext): JsonObject | Promise<JsonObject>;

  /**
   * Desired attrs in the shape this kind records in state, for the plan's diff
   * only — never passed to create/update. For state that holds a summary of
   * something the config names (the manifest of a local directory), so that a
   * plan compares like with like. May read local files; must not touch hosts.
   * Applied after {@link KindHandler.digests}.
   */
  planView?(attrs: JsonObject, request: { kind: string; name: string }): JsonObject | Promise<JsonObject>;

  /** The ports and names this resource takes on its host; two resources may not clash. */
  claims?(request: ClaimsRequest<A>): HostClaims | undefined;

  /** The work that makes the resource exist, as data; {@link Operation.record} says what state keeps. */
  create(request: CreateRequest<A>): Operation | Promise<Operation>;
  /** The work that makes an existing resource match. */
  update(request: UpdateRequest<A>): Operation | Promise<Operation>;
  /** The work that removes the resource, from what state recorded. */
  delete(request: DeleteRequest): Operation | Promise<Operation>;

  /** How the resource becomes ready after a create or update, before the next step runs. */
  ready?(request: ReadyRequest<A>): Readiness | undefined;
  /** What a change of a resource it lists in `triggered_by` makes it do; without one, `triggered_by` is refused. */
  readonly trigger?: KindTrigger<A> | undefined;

  /** A non-destructive read, as a probe (preferred: batched per host). */
  probe?(request: ReadRequest): Probe;
  /** A non-destructive read, for kinds a single probe cannot express. */
  read?(request: ReadRequest, ctx: ProviderContext): Promise<Observed>;
}

export interface Provider {
  /** The kind prefix this provider answers to, e.g. `system`. */
  readonly name: string;
  /** Every kind it owns, each starting with `${name}_`. */
  readonly kinds: Readonly<Record<string, KindHandler<any>>>;
  /**
   * The settings a `provider "<name>" { ... }` block may hold (besides
   * `source`, which says where to load the provider from). Unknown or
   * mistyped settings are refused with `file:line:col` before any step runs.
   * Without a schema the block takes no settings.
   */
  readonly configSchema?: ZodType | undefined;
  /** Receives the block's settings, parsed by {@link Provider.configSchema}, once per run before any step. */
  configure?(settings: JsonObject, ctx: ProviderContext): Promise<void> | void;
}
