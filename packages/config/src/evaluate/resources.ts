import {
  type DesiredResource,
  IMPLICIT_PREFIX,
  providerNameOf,
  type ResourceSource,
  type SourceLocation,
} from '@stratum/core';
import type { Span } from '../ast';
import { evaluateBody } from './body';
import { type EvalContext, toLocation, type UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { setOwn } from './json';
import { expectLabels } from './labels';
import { secretRefSites } from './secret-refs';
import type { ResolveRef } from './values';

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
  resolve: ResolveRef,
  ctx: EvalContext,
): DesiredResource[] {
  const duplicates = new DuplicateTracker('DuplicateResource', 'resource', ctx);
  const resources: DesiredResource[] = [];
  for (const { block, unit } of blocks) {
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
    duplicates.add(`${kind}.${name}`, nameSpan);
    const { attrs, spans } = evaluateBody(block.body, resolve, ctx);
    const source: ResourceSource = {
      ...blockSource(block.span, spans),
      dir: unit.baseDir,
      secretRefs: secretRefSites(block),
    };
    resources.push({ addr: { kind, name }, provider: providerNameOf(kind), attrs, source });
  }
  return resources;
}
