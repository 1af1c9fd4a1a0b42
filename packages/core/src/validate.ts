import type { ZodType } from 'zod';
import { addrKey, parseAddr } from './addr';
import { didYouMean } from './did-you-mean';
import { StratumError } from './errors';
import { PLANNER_ATTRS } from './plan/depends-on';
import type { KindHandler, Provider } from './provider';
import type { Registry } from './registry';
import { describeSchema, describeValueType, knownKeysAt, schemaAt } from './schema-describe';
import type { DesiredResource, JsonObject, ResourceAddr, SourceLocation } from './types';

/** Codes of the attribute diagnostics {@link validateDesired} produces. */
export type DiagnosticCode =
  | 'MissingAttribute'
  | 'UnknownAttribute'
  | 'WrongType'
  | 'InvalidValue'
  | 'UnknownProvider'
  | 'UnknownKind'
  | 'SecretInUnsupportedAttr'
  | 'TriggerUnsupported'
  | 'UnknownResourceAttribute'
  | 'KnownAfterApplyInIdentity';

/** One finding about a desired resource, with where in the config it was found. */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly code: DiagnosticCode | (string & {});
  /** Complete sentence, prefixed with the resource address: `docker_container.web: missing required attribute \`image\``. */
  readonly message: string;
  readonly addr: ResourceAddr;
  /** The attribute's position when known, else the resource block's; absent for resources not from a file. */
  readonly location?: SourceLocation | undefined;
  readonly hint?: string | undefined;
}

/** One attribute problem, before it is tied to a resource. */
interface AttrProblem {
  code: DiagnosticCode;
  text: string;
  /** Top-level attribute the problem is in (for its source position); undefined for the whole block. */
  attr: string | undefined;
  hint?: string | undefined;
}

/**
 * Checks every desired resource's attributes against its kind's zod schema
 * (see {@link KindHandler.schema}) and returns every problem found — none of
 * them stops the others being reported. A kind no loaded provider has is a
 * diagnostic too. Messages never contain attribute values (they may be secrets),
 * only names and types.
 */
export function validateDesired(resources: readonly DesiredResource[], registry: Registry): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const written = writtenAttrs(resources);
  for (const resource of resources) {
    const prefix = `${resource.addr.kind}.${resource.addr.name}`;
    let handler: KindHandler<unknown>;
    try {
      handler = registry.forKind(resource.addr.kind).handler;
    } catch (error) {
      if (!StratumError.isInstance(error)) throw error;
      diagnostics.push({
        severity: 'error',
        code: error.code,
        message: `${prefix}: ${error.message}`,
        addr: resource.addr,
        location: resource.source?.block,
        hint: error.hint,
      });
      continue;
    }
    diagnostics.push(...secretPlacement(resource, handler));
    diagnostics.push(...triggerPlacement(resource, handler));
    diagnostics.push(...afterApplyReads(resource, handler, registry, written));
    for (const problem of attrProblems(handler.schema, resource.attrs)) {
      diagnostics.push({
        severity: 'error',
        code: problem.code,
        message: `${prefix}: ${problem.text}`,
        addr: resource.addr,
        location: locate(resource, problem.attr),
        hint: problem.hint,
      });
    }
  }
  return diagnostics;
}

/** Per address, the attributes its block writes: what a reference may read before apply. */
function writtenAttrs(resources: readonly DesiredResource[]): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  for (const resource of resources) out.set(addrKey(resource.addr), Object.keys(resource.attrs));
  return out;
}

/**
 * References to attributes the producer's block does not write (the config
 * made them known-after-apply markers): allowed when the producer's kind
 * computes the attribute (`KindHandler.outputs`), and never in an identity
 * attribute of the reader — which thing on the host a resource is must be
 * known when the plan is made (claims, state keys and deletes rely on it).
 */
function afterApplyReads(
  resource: DesiredResource,
  handler: KindHandler<unknown>,
  registry: Registry,
  written: ReadonlyMap<string, readonly string[]>,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const { kind, name } = resource.addr;
  const identity = new Set(handler.identity ?? []);
  for (const site of resource.source?.refs ?? []) {
    if (site.output === undefined) continue;
    const producerKind = parseAddr(site.target).kind;
    const outputs = registry.has(producerKind)
      ? (registry.forKind(producerKind).handler.outputs ?? {})
      : undefined;
    // An unknown producer kind is reported at the producer itself.
    if (outputs === undefined) continue;
    const reference = `${site.target}.${site.output}`;
    if (!Object.hasOwn(outputs, site.output)) {
      const computed = Object.keys(outputs);
      const blockAttrs = written.get(site.target) ?? [];
      out.push({
        severity: 'error',
        code: 'UnknownResourceAttribute',
        message: `${kind}.${name}: resource \`${site.target}\` sets no attribute \`${site.output}\` (in reference \`${reference}\`)`,
        addr: resource.addr,
        location: site.location,
        hint: `a reference reads an attribute written in the resource's block${listed(' (here: ', blockAttrs, ')')}${
          computed.length === 0
            ? `; \`${producerKind}\` computes no value at apply`
            : ` or one \`${producerKind}\` computes at apply: ${computed.map((a) => `\`${a}\``).join(', ')}`
        }${didYouMeanHint(site.output, [...blockAttrs, ...computed])}`,
      });
      continue;
    }
    if (identity.has(site.attr)) {
      out.push({
        severity: 'error',
        code: 'KnownAfterApplyInIdentity',
        message: `${kind}.${name}: \`${site.attr}\` reads \`${reference}\`, which is known only after apply — but \`${site.attr}\` says which thing on the host \`${kind}\` is, and that must be known when the plan is made`,
        addr: resource.addr,
        location: site.location,
        hint: 'write the value out here, or read an attribute written in the block',
      });
    }
  }
  return out;
}

function listed(open: string, items: readonly string[], close: string): string {
  return items.length === 0 ? '' : `${open}${items.map((a) => `\`${a}\``).join(', ')}${close}`;
}

function didYouMeanHint(word: string, candidates: readonly string[]): string {
  const guess = didYouMean(word, candidates);
  return guess === undefined ? '' : `; did you mean \`${guess}\`?`;
}

/** Thrown by {@link parseAttrs}; `problems` holds one plain message per problem. */
export class AttributeError extends StratumError<'InvalidAttributes'> {
  static override readonly marker: string = '@stratum/core/AttributeError';
  readonly problems: readonly string[];

  constructor(prefix: string, problems: readonly string[]) {
    super('InvalidAttributes', problems.map((p) => (prefix === '' ? p : `${prefix}: ${p}`)).join('\n'), {
      hint: 'fix the attributes in the config; `stratum validate` lists every problem with its position',
    });
    this.name = 'AttributeError';
    this.problems = problems;
  }
}

/**
 * Parses `attrs` with the handler's schema and returns the result (defaults
 * filled in). On failure throws an {@link AttributeError} whose message lists
 * the same plain-words problems {@link validateDesired} reports, prefixed with
 * `addr` when given.
 */
export function parseAttrs<A>(handler: KindHandler<A>, attrs: JsonObject, addr?: ResourceAddr): A {
  const own = kindAttrs(handler.schema, attrs);
  const result = handler.schema.safeParse(own.attrs);
  if (result.success && own.problem === undefined) return result.data;
  const problems = [
    ...(own.problem === undefined ? [] : [own.problem.text]),
    ...(result.success
      ? []
      : describeIssues(handler.schema, own.attrs, result.error.issues).map((p) => p.text)),
  ];
  throw new AttributeError(addr === undefined ? '' : `${addr.kind}.${addr.name}`, problems);
}

/**
 * Secret references where the kind does not take them: in an identity
 * attribute (state records it in the clear, reads and deletes replay it), or
 * outside the attributes the kind's `secrets.refs` lists.
 */
function secretPlacement(resource: DesiredResource, handler: KindHandler<unknown>): Diagnostic[] {
  const sites = resource.source?.secretRefs ?? [];
  if (sites.length === 0) return [];
  const { kind, name } = resource.addr;
  const identity = new Set(handler.identity ?? []);
  const accepted = handler.secrets?.refs ?? '*';
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const site of sites) {
    if (seen.has(site.attr)) continue;
    const isIdentity = identity.has(site.attr);
    if (!isIdentity && (accepted === '*' || accepted.includes(site.attr))) continue;
    seen.add(site.attr);
    out.push({
      severity: 'error',
      code: 'SecretInUnsupportedAttr',
      message: isIdentity
        ? `${kind}.${name}: secret reference not allowed in \`${kind}.${site.attr}\` — it names the resource on its host, and state records it in the clear`
        : `${kind}.${name}: secret reference not allowed in \`${kind}.${site.attr}\` — secrets must be in single-leaf string attrs (e.g. inside \`env\`), not embedded in file content or path strings`,
      addr: resource.addr,
      location: site.location,
      hint: isIdentity
        ? 'write the value itself here; secrets belong in the attributes that deliver them'
        : (handler.secrets?.refusedHint ??
          `\`${kind}\` takes secrets in: ${accepted === '*' ? 'any attribute but its identity' : accepted.join(', ') || 'no attribute'}`),
    });
  }
  return out;
}

function attrProblems(schema: ZodType, attrs: JsonObject): AttrProblem[] {
  const own = kindAttrs(schema, attrs);
  const result = schema.safeParse(own.attrs);
  return [
    ...(own.problem === undefined ? [] : [own.problem]),
    ...(result.success ? [] : describeIssues(schema, own.attrs, result.error.issues)),
  ];
}

/**
 * `depends_on` and `triggered_by` belong to the planner, not to a kind: any
 * resource may carry them (the planner orders steps by them, apply records
 * `depends_on` in state so teardown knows the edges, and `triggered_by` names
 * what re-runs the resource). A kind whose schema declares one checks it
 * itself; otherwise it is checked here and taken out before the kind's schema
 * sees the attributes.
 */
export function kindAttrs(schema: ZodType, attrs: JsonObject): { attrs: JsonObject; problem?: AttrProblem } {
  let own = attrs;
  let problem: AttrProblem | undefined;
  for (const attr of PLANNER_ATTRS) {
    if (!Object.hasOwn(own, attr) || knownKeysAt(schema, []).includes(attr)) continue;
    const { [attr]: edges, ...rest } = own;
    own = rest;
    if (Array.isArray(edges) && edges.every((edge) => typeof edge === 'string')) continue;
    problem ??= {
      code: 'WrongType',
      text: `attribute \`${attr}\` must be a list of strings (\`<kind>.<name>\`), got ${describeValueType(edges)}`,
      attr,
    };
  }
  return problem === undefined ? { attrs: own } : { attrs: own, problem };
}

/** `triggered_by` on a kind that has nothing to re-run (no {@link KindHandler.trigger}). */
function triggerPlacement(resource: DesiredResource, handler: KindHandler<unknown>): Diagnostic[] {
  if (!Object.hasOwn(resource.attrs, 'triggered_by') || handler.trigger !== undefined) return [];
  if (knownKeysAt(handler.schema, []).includes('triggered_by')) return [];
  const { kind, name } = resource.addr;
  return [
    {
      severity: 'error',
      code: 'TriggerUnsupported',
      message: `${kind}.${name}: \`${kind}\` has nothing to re-run, so it takes no \`triggered_by\``,
      addr: resource.addr,
      location: locate(resource, 'triggered_by'),
      hint: 'put `triggered_by` on a resource whose kind can re-run (a service that restarts, a command that runs again); use `depends_on` for ordering alone',
    },
  ];
}

type Issue = {
  code?: string | undefined;
  path: PropertyKey[];
  message: string;
  expected?: string;
  keys?: string[];
  values?: unknown[];
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  exact?: boolean;
  format?: string;
  pattern?: string;
  divisor?: number;
};

function describeIssues(schema: ZodType, attrs: JsonObject, issues: readonly unknown[]): AttrProblem[] {
  const problems: AttrProblem[] = [];
  for (const raw of issues) {
    const issue = raw as Issue;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys ?? []) problems.push(unknownAttribute(schema, attrs, issue.path, key));
      continue;
    }
    problems.push(describeIssue(schema, attrs, issue));
  }
  return problems;
}

function unknownAttribute(schema: ZodType, attrs: JsonObject, path: PropertyKey[], key: string): AttrProblem {
  const known = knownKeysAt(schema, path);
  const present = valueAt(attrs, path);
  // A key the user already wrote is no suggestion: they meant something else.
  const candidates = known.filter((k) => !(isPlainObject(present) && Object.hasOwn(present, k)));
  const suggestion = didYouMean(key, candidates);
  const name = formatPath([...path, key]);
  return {
    code: 'UnknownAttribute',
    text: `unknown attribute \`${name}\`${suggestion === undefined ? '' : ` (did you mean \`${formatPath([...path, suggestion])}\`?)`}`,
    attr: topAttr([...path, key]),
    hint: suggestion === undefined && known.length > 0 ? `known attributes: ${known.join(', ')}` : undefined,
  };
}

function describeIssue(schema: ZodType, attrs: JsonObject, issue: Issue): AttrProblem {
  const name = formatPath(issue.path);
  const attr = topAttr(issue.path);
  const subject = issue.path.length === 0 ? 'the resource' : `attribute \`${name}\``;
  const expected = schemaAt(schema, issue.path);
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.path.length > 0 && isMissing(attrs, issue.path)) {
        // A missing top-level attribute has no position of its own: point at the block.
        const at = issue.path.length > 1 ? attr : undefined;
        return { code: 'MissingAttribute', text: `missing required attribute \`${name}\``, attr: at };
      }
      const got = valueAt(attrs, issue.path);
      const gotText =
        issue.expected === 'int' && typeof got === 'number' ? 'fractional number' : describeValueType(got);
      const wanted = expected === undefined ? `of type ${issue.expected}` : describeSchema(expected);
      return { code: 'WrongType', text: `${subject} must be ${wanted}, got ${gotText}`, attr };
    }
    case 'invalid_union': {
      const wanted = expected === undefined ? 'a valid value' : describeSchema(expected);
      const got = describeValueType(valueAt(attrs, issue.path));
      return { code: 'WrongType', text: `${subject} must be ${wanted}, got ${got}`, attr };
    }
    case 'invalid_value': {
      const values = (issue.values ?? []).map((v) => `\`${String(v)}\``).join(', ');
      return { code: 'InvalidValue', text: `${subject} must be one of ${values}`, attr };
    }
    case 'too_small':
    case 'too_big':
      return { code: 'InvalidValue', text: `${subject} ${boundText(issue)}`, attr };
    case 'invalid_format':
      return {
        code: 'InvalidValue',
        text:
          issue.format === 'regex'
            ? `${subject} must match the pattern ${issue.pattern}`
            : `${subject} is not valid: ${lowerFirst(issue.message)}`,
        attr,
      };
    case 'not_multiple_of':
      return { code: 'InvalidValue', text: `${subject} must be a multiple of ${issue.divisor}`, attr };
    default:
      // Custom refinements carry the provider's own message.
      return {
        code: 'InvalidValue',
        text: issue.path.length === 0 ? issue.message : `${subject}: ${issue.message}`,
        attr,
      };
  }
}

function boundText(issue: Issue): string {
  const small = issue.code === 'too_small';
  const bound = String(small ? issue.minimum : issue.maximum);
  const bounded = issue.origin === 'string' || issue.origin === 'array' || issue.origin === 'set';
  const limit = issue.exact
    ? 'exactly'
    : issue.inclusive
      ? small
        ? 'at least'
        : 'at most'
      : small
        ? bounded
          ? 'more than'
          : 'greater than'
        : bounded
          ? 'fewer than'
          : 'less than';
  if (issue.origin === 'string') return `must be ${limit} ${bound} characters long`;
  if (bounded) return `must have ${limit} ${bound} items`;
  return `must be ${limit} ${bound}`;
}

function lowerFirst(text: string): string {
  return text.length === 0 ? text : text[0]!.toLowerCase() + text.slice(1);
}

/** `env.PORT`, `ports[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

function topAttr(path: readonly PropertyKey[]): string | undefined {
  return typeof path[0] === 'string' ? path[0] : undefined;
}

function locate(resource: DesiredResource, attr: string | undefined): SourceLocation | undefined {
  if (resource.source === undefined) return undefined;
  if (attr !== undefined && Object.hasOwn(resource.source.attrs, attr)) return resource.source.attrs[attr];
  return resource.source.block;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === 'number') current = current[key];
    else if (isPlainObject(current) && Object.hasOwn(current, key)) current = current[key as string];
    else return undefined;
  }
  return current;
}

/** True when the path's last key is absent from an object that exists. */
function isMissing(root: unknown, path: readonly PropertyKey[]): boolean {
  const parent = valueAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  return isPlainObject(parent) && typeof last === 'string' && !Object.hasOwn(parent, last);
}

/** A `provider "<name>" { ... }` block's settings, for {@link validateProviderSettings}. */
export interface ProviderSettings {
  readonly name: string;
  /** The block's attributes, `source` included. */
  readonly attrs: JsonObject;
  /** Where the block and each attribute were written. */
  readonly source?: { block: SourceLocation; attrs: Record<string, SourceLocation> } | undefined;
}

/** The attribute of a provider block that says where to load the provider from; the loader's, not the provider's. */
export const PROVIDER_SOURCE_ATTR = 'source';

/** A provider block's settings as its provider's `configure` receives them: without `source`. */
export function providerSettingsOf(settings: ProviderSettings): JsonObject {
  const { [PROVIDER_SOURCE_ATTR]: _source, ...rest } = settings.attrs;
  return rest;
}

/**
 * Checks every provider block against its provider's `configSchema`: a block
 * for a provider that is not loaded, a setting the provider does not declare
 * (with "did you mean"), a wrong type. A provider without a schema takes no
 * settings at all.
 */
export function validateProviderSettings(
  blocks: readonly ProviderSettings[],
  registry: Registry,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const block of blocks) {
    const addr = { kind: 'provider', name: block.name };
    const prefix = `provider \`${block.name}\``;
    const at = (attr: string | undefined) =>
      (attr === undefined ? undefined : block.source?.attrs[attr]) ?? block.source?.block;
    const provider = registry.provider(block.name);
    if (provider === undefined) {
      diagnostics.push({
        severity: 'error',
        code: 'UnknownProvider',
        message: `${prefix}: no provider of that name is loaded`,
        addr,
        location: at(undefined),
        hint: `loaded providers: ${
          registry
            .providers()
            .map((p) => p.name)
            .join(', ') || 'none'
        }; load another with \`source = "<npm package>"\``,
      });
      continue;
    }
    const settings = providerSettingsOf(block);
    if (provider.configSchema === undefined) {
      for (const key of Object.keys(settings)) {
        diagnostics.push({
          severity: 'error',
          code: 'UnknownAttribute',
          message: `${prefix}: unknown setting \`${key}\` (this provider takes no settings)`,
          addr,
          location: at(key),
          hint: 'remove it, or the whole block',
        });
      }
      continue;
    }
    const result = provider.configSchema.safeParse(settings);
    if (result.success) continue;
    for (const problem of describeIssues(provider.configSchema, settings, result.error.issues)) {
      diagnostics.push({
        severity: 'error',
        code: problem.code,
        message: `${prefix}: ${problem.text.replace(/\battribute\b/, 'setting')}`,
        addr,
        location: at(problem.attr),
        hint: problem.hint?.replace(/^known attributes/, 'known settings'),
      });
    }
  }
  return diagnostics;
}

/** A provider block's settings parsed by the provider's `configSchema` (defaults filled in), for `configure`. */
export function parseProviderSettings(block: ProviderSettings, provider: Provider): JsonObject {
  const settings = providerSettingsOf(block);
  return provider.configSchema === undefined
    ? settings
    : (provider.configSchema.parse(settings) as JsonObject);
}
