import {
  afterApplyMarker,
  type DesiredResource,
  type JsonValue,
  parseInstanceName,
  type ResourceRefSite,
  type SecretRefSite,
} from '@stratum/core';
import type { Reference, Span } from '../ast';
import { type EvalContext, toLocation } from './context';
import { getOwn, isJsonObject } from './json';
import { walkFields } from './references';
import { refText } from './values';

/** One resource block as the lazy evaluator sees it. */
export interface ResourceEntry {
  /** `<kind>.<name>` of the block (without any instance key). */
  readonly key: string;
  readonly forEach: boolean;
  /** Evaluates the block's instances; called at most once, when first needed. */
  readonly evaluate: () => DesiredResource[];
}

/** Where a reference to another resource was met, while the consumer's body is evaluated. */
export interface MetReference {
  /** The producer instance's address. */
  readonly target: string;
  readonly span: Span;
  /** The producer's secret sites in the attribute read: the value carries those secrets. */
  readonly carried: readonly SecretRefSite[];
  /** The attribute read, when the producer's block does not write it: a value known after apply. */
  readonly output?: string | undefined;
}

/**
 * Resolves `<kind>.<name>[["key"]].<attr>[.<field>...]` to the attribute as
 * written in the producer's block (after the producer's own references are
 * resolved), evaluating producers on demand. Only written attributes are known
 * before apply: an attribute the block does not write (a value the kind
 * computes, an image id, a commit sha) becomes a known-after-apply marker,
 * and validation refuses it unless the kind lists it among its outputs.
 *
 * Evaluation follows references depth-first; meeting a block that is being
 * evaluated is a cycle (`ReferenceCycle`), reported at the reference that
 * closes it, with the whole path.
 */
export class ResourceReferences {
  readonly #entries = new Map<string, ResourceEntry>();
  readonly #done = new Map<string, DesiredResource[]>();
  /** The blocks being evaluated, outermost first, with the reference that led into each. */
  readonly #visiting: string[] = [];

  constructor(
    entries: readonly ResourceEntry[],
    private readonly ctx: EvalContext,
  ) {
    for (const entry of entries) this.#entries.set(entry.key, entry);
  }

  /** The instances of `key`, evaluating them if they were not yet. */
  instancesOf(key: string): DesiredResource[] {
    const done = this.#done.get(key);
    if (done !== undefined) return done;
    const entry = this.#entries.get(key)!;
    this.#visiting.push(key);
    try {
      const instances = entry.evaluate();
      this.#done.set(key, instances);
      return instances;
    } finally {
      this.#visiting.pop();
    }
  }

  /** The referenced value; records the producer instance in `met`. */
  resolve(ref: Reference, met: MetReference[]): JsonValue {
    const [kind, nameSegment, attr, ...fields] = ref.segments as [string, string | undefined, ...string[]];
    const text = refText(ref);
    const instance = nameSegment === undefined ? undefined : parseInstanceName(nameSegment);
    const base = instance?.base ?? nameSegment;
    const key = `${kind}.${base ?? ''}`;
    const entry = this.#entries.get(key);
    if (base === undefined || entry === undefined) {
      throw this.ctx.error(
        'UnknownResource',
        `unknown resource \`${key}\` in reference \`${text}\``,
        ref.span,
        `declare \`resource "${kind}" "${base ?? '<name>'}" { ... }\` in one of the loaded files, or fix the name`,
      );
    }
    if (attr === undefined) {
      throw this.ctx.error(
        'RefTooShort',
        `reference \`${text}\` too short — name an attribute of the resource`,
        ref.span,
        `write \`${text}.<attribute>\`, e.g. \`${text}.path\``,
      );
    }
    if (this.#visiting.includes(key)) {
      const path = [...this.#visiting.slice(this.#visiting.indexOf(key)), key];
      throw this.ctx.error(
        'ReferenceCycle',
        `reference cycle: ${path.map((k) => `\`${k}\``).join(' -> ')}`,
        ref.span,
        'a resource cannot read an attribute of a resource that reads it; write one of the values out',
      );
    }
    const instances = this.instancesOf(key);
    const producer = this.#pickInstance(entry, instances, instance?.key, ref, text);
    const target = `${producer.addr.kind}.${producer.addr.name}`;
    const carried = (producer.source?.secretRefs ?? []).filter((site) => site.attr === attr);
    const written = isJsonObject(producer.attrs) ? getOwn(producer.attrs, attr) : undefined;
    if (written === undefined) {
      // Not in the block: a value the kind computes at apply (an image id),
      // or a typo. Which it is is the kind's rule (its `outputs`), checked
      // when the resources are validated; here it becomes the marker.
      if (fields.length > 0) {
        throw this.ctx.error(
          'UnknownResourceAttribute',
          `resource \`${target}\` sets no attribute \`${attr}\`, so \`${text}\` cannot read a field of it`,
          ref.span,
          `a value a kind computes at apply is a string, without fields; a reference may walk into a map written in the block${writtenList(producer)}`,
        );
      }
      met.push({ target, span: ref.span, carried, output: attr });
      return afterApplyMarker(target, attr);
    }
    met.push({ target, span: ref.span, carried });
    return walkFields(written, fields, () =>
      this.ctx.error(
        'UnknownResourceAttribute',
        `attribute \`${attr}\` of resource \`${target}\` has no field \`${fields.join('.')}\` (in reference \`${text}\`)`,
        ref.span,
        'only map values have fields; check the attribute or drop the field',
      ),
    );
  }

  #pickInstance(
    entry: ResourceEntry,
    instances: readonly DesiredResource[],
    wanted: string | undefined,
    ref: Reference,
    text: string,
  ): DesiredResource {
    const keys = instances.map((r) => parseInstanceName(r.addr.name)?.key ?? '');
    if (!entry.forEach) {
      if (wanted !== undefined) {
        throw this.ctx.error(
          'UnexpectedInstanceKey',
          `resource \`${entry.key}\` has no for_each, so \`${text}\` cannot name an instance`,
          ref.span,
          `drop the \`[${JSON.stringify(wanted)}]\`: write \`${entry.key}.<attribute>\``,
        );
      }
      return instances[0]!;
    }
    const listed = keys.length > 0 ? keys.map((k) => `\`${JSON.stringify(k)}\``).join(', ') : 'none';
    if (wanted === undefined) {
      throw this.ctx.error(
        'MissingInstanceKey',
        `resource \`${entry.key}\` has for_each: \`${text}\` must name one instance`,
        ref.span,
        `write \`${entry.key}["<key>"].<attribute>\`; its keys: ${listed}`,
      );
    }
    const index = keys.indexOf(wanted);
    if (index === -1) {
      throw this.ctx.error(
        'UnknownInstanceKey',
        `resource \`${entry.key}\` has no instance \`${JSON.stringify(wanted)}\` (in reference \`${text}\`)`,
        ref.span,
        `its keys: ${listed}`,
      );
    }
    return instances[index]!;
  }
}

function writtenList(producer: DesiredResource): string {
  const attrs = isJsonObject(producer.attrs) ? Object.keys(producer.attrs) : [];
  return attrs.length === 0 ? '' : ` (here: ${attrs.map((a) => `\`${a}\``).join(', ')})`;
}

/**
 * The reference sites of one instance, with the top-level attribute holding
 * each (found by position: an attribute's span encloses its references), and
 * the secret sites they carry over: an attribute that reads a secret-bearing
 * attribute of another resource holds that secret too, and the consumer
 * kind's rules on where secrets may go apply to it.
 */
export function referenceSites(
  met: readonly MetReference[],
  spans: ReadonlyMap<string, Span>,
): { refs: ResourceRefSite[]; secrets: SecretRefSite[] } {
  const refs: ResourceRefSite[] = [];
  const secrets: SecretRefSite[] = [];
  for (const site of met) {
    const attr = enclosingKey(spans, site.span) ?? '';
    const location = toLocation(site.span);
    refs.push({
      attr,
      target: site.target,
      location,
      ...(site.output === undefined ? {} : { output: site.output }),
    });
    for (const { secret } of site.carried) secrets.push({ attr, secret, location });
  }
  return { refs, secrets };
}

function enclosingKey(spans: ReadonlyMap<string, Span>, inner: Span): string | undefined {
  for (const [key, span] of spans) {
    if (span.start.offset <= inner.start.offset && inner.end.offset <= span.end.offset) return key;
  }
  return undefined;
}
