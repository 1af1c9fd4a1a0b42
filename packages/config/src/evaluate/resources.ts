import type { DesiredResource, ResourceSource, SourceLocation } from '@stratum/core';
import type { Span } from '../ast';
import { evaluateBody } from './body';
import { type EvalContext, toLocation, type UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { checkSecretPlacement } from './honesty-guard';
import { setOwn } from './json';
import { expectLabels } from './labels';
import { canonicaliseSourceDir, inlineContentFile } from './local-files';
import type { ResolveRef } from './values';

/** Names under this prefix belong to the implicit per-host resources. */
export const RESERVED_NAME_PREFIX = '_stratum_';

/**
 * The provider a kind routes to: the part before the first `_`. `undefined`
 * when there is no such part (`foo`, `_bar`).
 */
export function providerOfKind(kind: string): string | undefined {
  const cut = kind.indexOf('_');
  return cut > 0 ? kind.slice(0, cut) : undefined;
}

/** Records where a resource block and each of its top-level attributes were written. */
export function resourceSource(blockSpan: Span, spans: ReadonlyMap<string, Span>): ResourceSource {
  const attrs: Record<string, SourceLocation> = {};
  // forEach rather than for-of: no [key, value] pair is allocated per attribute of every resource.
  spans.forEach((span, key) => {
    setOwn(attrs, key, toLocation(span));
  });
  return { block: toLocation(blockSpan), attrs };
}

/**
 * Pass 4 (resources): kind routing, the honesty guard, body evaluation with
 * the host + secret scope, then the local-file attributes. User resources
 * cannot collide with the implicit ones: those names are reserved.
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
    const provider = providerOfKind(kind);
    if (provider === undefined) {
      throw ctx.error(
        'BadKind',
        `resource kind \`${kind}\` must be prefixed with provider name`,
        kindSpan,
        'kinds are `<provider>_<type>`, e.g. `ssh_exec`, `system_file`, `docker_container`',
      );
    }
    if (name.startsWith(RESERVED_NAME_PREFIX)) {
      throw ctx.error(
        'ReservedResourceName',
        `resource name \`${name}\` uses the reserved \`${RESERVED_NAME_PREFIX}\` prefix`,
        nameSpan,
        'names starting with `_stratum_` are kept for the implicit per-host resources; rename it',
      );
    }
    duplicates.add(`${kind}.${name}`, nameSpan);
    checkSecretPlacement(kind, block, ctx);
    const { attrs, spans } = evaluateBody(block.body, resolve, ctx);
    if (kind === 'system_file') inlineContentFile(kind, attrs, spans, unit, ctx);
    if (kind === 'system_dir') canonicaliseSourceDir(kind, attrs, spans, unit, ctx);
    resources.push({ addr: { kind, name }, provider, attrs, source: resourceSource(block.span, spans) });
  }
  return resources;
}
