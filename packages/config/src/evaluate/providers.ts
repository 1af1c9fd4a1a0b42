import type { ProviderDecl } from '../extracted';
import { evaluateBody } from './body';
import type { EvalContext, UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { expectLabels } from './labels';
import { blockSource } from './resources';
import type { ResolveRef } from './values';

/** Pass 4 (providers): provider blocks, evaluated with the host + secret scope. */
export function evaluateProviders(
  blocks: readonly UnitBlock[],
  resolve: ResolveRef,
  ctx: EvalContext,
): ProviderDecl[] {
  const duplicates = new DuplicateTracker('DuplicateProvider', 'provider', ctx);
  const providers: ProviderDecl[] = [];
  for (const { block } of blocks) {
    const [name] = expectLabels(block, ['name'], ctx) as [string];
    duplicates.add(name, block.labels[0]?.span ?? block.span);
    const { attrs, spans } = evaluateBody(block.body, resolve, ctx);
    providers.push({ name, attrs, file: block.span.file, source: blockSource(block.span, spans) });
  }
  return providers;
}
