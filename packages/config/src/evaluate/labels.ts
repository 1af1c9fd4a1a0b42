import type { Block } from '../ast';
import type { ConfigErrorCode } from '../errors';
import type { EvalContext } from './context';

/**
 * Checks a top-level block has exactly `expected.length` labels and returns
 * their values. `expected` names them for the message (`['kind', 'name']`).
 */
export function expectLabels(
  block: Block,
  expected: readonly string[],
  ctx: EvalContext,
  code: ConfigErrorCode = 'BadBlockLabels',
): string[] {
  const found = block.labels.length;
  if (found === expected.length) return block.labels.map((label) => label.value);
  const count = expected.length === 1 ? 'exactly 1 label' : `${expected.length} labels`;
  const span = found > expected.length ? block.labels[expected.length]?.span : block.kindSpan;
  const shape = `${block.kind} ${expected.map((e) => `"<${e}>"`).join(' ')} { ... }`;
  throw ctx.error(
    code,
    `${block.kind} block needs ${count}, found ${found}`,
    span ?? block.span,
    `write it as \`${shape}\``,
  );
}
