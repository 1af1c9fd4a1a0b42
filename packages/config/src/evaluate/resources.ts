import {
  type DesiredResource,
  IMPLICIT_PREFIX,
  instanceName,
  providerNameOf,
  type ResourceSource,
  type SourceLocation,
} from '@stratum/core';
import type { Attribute, Block, BodyItem, Span } from '../ast';
import type { GroupDecl } from '../extracted';
import { evaluateBody } from './body';
import { type EvalContext, toLocation, type UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { forEachInstances } from './for-each';
import { setOwn } from './json';
import { expectLabels } from './labels';
import { type EachValue, resolveReference, type Scope } from './references';
import { type MetReference, type ResourceEntry, ResourceReferences, referenceSites } from './resource-refs';
import { secretRefSites } from './secret-refs';

/** Records where a block and each of its top-level attributes were written. */
export function blockSource(blockSpan: Span, spans: ReadonlyMap<string, Span>): ResourceSource {
  const attrs: Record<string, SourceLocation> = {};
  // forEach rather than for-of: no [key, value] pair is allocated per attribute of every resource.
  spans.forEach((span, key) => {
    setOwn(attrs, key, toLocation(span));
  });
  return { block: toLocation(blockSpan), attrs };
}

/**
 * Pass 4 (resources): kind routing, body evaluation with the host + secret
 * scope. Each resource carries where it was written, the directory its local
 * paths resolve against and the secret references in its body: the kind's
 * rules about those (`content_file`, where secrets may go) are checked once
 * the kind is known. User resources cannot collide with the implicit ones:
 * those names are reserved.
 */
export function evaluateResources(
  blocks: readonly UnitBlock[],
  scope: Scope,
  groups: ReadonlyMap<string, GroupDecl>,
  ctx: EvalContext,
): DesiredResource[] {
  const duplicates = new DuplicateTracker('DuplicateResource', 'resource', ctx);
  const entries: ResourceEntry[] = [];
  for (const { block, unit } of blocks) {
    const [kind, name] = checkedLabels(block, ctx);
    duplicates.add(`${kind}.${name}`, block.labels[1]?.span ?? block.span);
    const forEach = forEachAttribute(block, ctx);
    entries.push({
      key: `${kind}.${name}`,
      forEach: forEach !== undefined,
      evaluate: () => evaluateBlock(block, unit.baseDir, [kind, name], forEach),
    });
  }
  // Blocks are evaluated on demand: a reference to another resource evaluates
  // it first, wherever it is declared. The result keeps declaration order.
  const references = new ResourceReferences(entries, ctx);

  function evaluateBlock(
    block: Block,
    dir: string | undefined,
    [kind, name]: [string, string],
    forEach: Attribute | undefined,
  ): DesiredResource[] {
    const instances: (EachValue | undefined)[] =
      forEach === undefined ? [undefined] : forEachInstances(forEach, scope, groups, ctx);
    const body: BodyItem[] =
      forEach === undefined ? block.body : block.body.filter((item) => item !== forEach);
    const written = secretRefSites(block);
    return instances.map((each) => {
      const met: MetReference[] = [];
      const instanceScope: Scope = { ...scope, each, resources: (ref) => references.resolve(ref, met) };
      const { attrs, spans } = evaluateBody(body, (ref) => resolveReference(ref, instanceScope, ctx), ctx);
      const { refs, secrets } = referenceSites(met, spans);
      const source: ResourceSource = {
        ...blockSource(block.span, spans),
        dir,
        secretRefs: secrets.length === 0 ? written : [...written, ...secrets],
        ...(refs.length === 0 ? {} : { refs }),
      };
      return {
        addr: { kind, name: each === undefined ? name : instanceName(name, each.key) },
        provider: providerNameOf(kind),
        attrs,
        source,
      };
    });
  }

  return entries.flatMap((entry) => references.instancesOf(entry.key));
}

/** The block's `<kind>` and `<name>` labels, checked against the naming rules. */
function checkedLabels(block: Block, ctx: EvalContext): [string, string] {
  const [kind, name] = expectLabels(block, ['kind', 'name'], ctx) as [string, string];
  const kindSpan = block.labels[0]?.span ?? block.span;
  const nameSpan = block.labels[1]?.span ?? block.span;
  if (kind.indexOf('_') <= 0) {
    throw ctx.error(
      'BadKind',
      `resource kind \`${kind}\` must be prefixed with provider name`,
      kindSpan,
      'kinds are `<provider>_<type>`: the name of the provider that owns the kind, `_`, then the type',
    );
  }
  if (name.startsWith(IMPLICIT_PREFIX)) {
    throw ctx.error(
      'ReservedResourceName',
      `resource name \`${name}\` uses the reserved \`${IMPLICIT_PREFIX}\` prefix`,
      nameSpan,
      `names starting with \`${IMPLICIT_PREFIX}\` are kept for the implicit per-host resources; rename it`,
    );
  }
  if (name.includes('[')) {
    throw ctx.error(
      'BadResourceName',
      `resource name \`${name}\` contains \`[\``,
      nameSpan,
      '`[` starts the instance key of a for_each resource (`nginx["web1"]`); rename the resource',
    );
  }
  return [kind, name];
}

/** The block's `for_each` attribute: a meta-argument, not an attribute of the resource. */
function forEachAttribute(block: Block, ctx: EvalContext): Attribute | undefined {
  const found = block.body.filter(
    (item): item is Attribute => item.type === 'attribute' && item.name === 'for_each',
  );
  if (found.length > 1) {
    throw ctx.error(
      'DuplicateAttribute',
      `duplicate attribute \`for_each\`: already set on line ${found[0]!.nameSpan.start.line}`,
      found[1]!.nameSpan,
      'set `for_each` once per resource',
    );
  }
  return found[0];
}
