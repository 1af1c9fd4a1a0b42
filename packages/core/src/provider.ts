import type { ZodType } from 'zod';
import type { Transport } from './transport';
import type { JsonObject, JsonValue, Observed } from './types';

/**
 * The provider contract. A provider owns the kinds whose names start with
 * `<name>_` (the registry routes `docker_container` to the provider named
 * `docker`) and implements each kind with a {@link KindHandler}.
 */

/** Receives the trace lines a provider prints while it works (`[system] PACKAGE ...`). */
export interface ProviderLogger {
  /** A progress line shown to the operator. Must never contain secret plaintext or a secret's hash. */
  trace(line: string): void;
  warn(line: string): void;
  debug(line: string): void;
}

/** Everything a provider may use. Providers get the world only through this. */
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
  /** Desired attrs exactly as the config gave them. */
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
}

export interface KindHandler<A = JsonObject> {
  /**
   * Validates desired attrs at plan time and fills defaults. Unknown attributes
   * should be rejected (`z.strictObject`) so typos are caught before any host is touched.
   */
  readonly schema: ZodType<A>;
  /** Make the resource exist; return the attrs to record in state. */
  create(request: CreateRequest<A>, ctx: ProviderContext): Promise<JsonObject>;
  /** Make an existing resource match; return the attrs to record in state. */
  update(request: UpdateRequest<A>, ctx: ProviderContext): Promise<JsonObject>;
  delete(request: DeleteRequest, ctx: ProviderContext): Promise<void>;
  /**
   * Desired attrs in the shape this kind records in state, for the plan's diff
   * only — never passed to create/update. For kinds whose state holds a digest
   * or a summary of something the config names (a content hash, the manifest of
   * a local directory), so that a plan compares like with like. May read local
   * files; must not touch hosts.
   */
  planView?(attrs: JsonObject, request: { kind: string; name: string }): JsonObject | Promise<JsonObject>;
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
  /** Receives the body of a `provider "<name>" { ... }` block, once per run, before any step. */
  configure?(attrs: JsonObject, ctx: ProviderContext): Promise<void> | void;
}
