import type { Block, BodyItem, Reference } from '../ast';
import { nestedBlockKey } from './body';
import type { EvalContext } from './context';
import { findReference } from './find-reference';

/**
 * Attributes whose value ends up as an opaque blob (file content, a path
 * whose file is uploaded whole): a secret in there could not be redacted
 * from state or output, so referencing one is refused at load time.
 */
export const SECRET_FORBIDDEN_ATTRS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['system_file', new Set(['content', 'content_file'])],
  ['system_dir', new Set(['source_dir'])],
]);

/**
 * Throws `SecretInUnsupportedAttr` when a forbidden attribute of `kind`
 * holds a `secret.*` reference anywhere in its value: bare, inside a
 * `${...}`, or nested in a list or map. Runs before evaluation, so it
 * fires by attribute name whatever the reference would resolve to.
 */
export function checkSecretPlacement(kind: string, block: Block, ctx: EvalContext): void {
  const forbidden = SECRET_FORBIDDEN_ATTRS.get(kind);
  if (forbidden === undefined) return;
  for (const item of block.body) {
    const key = item.type === 'attribute' ? item.name : nestedBlockKey(item);
    if (!forbidden.has(key)) continue;
    const ref = findSecretRefInItem(item);
    if (ref !== undefined) {
      throw ctx.error(
        'SecretInUnsupportedAttr',
        `secret reference not allowed in \`${kind}.${key}\` — secrets must be in single-leaf string attrs ` +
          '(e.g. inside `env`), not embedded in file content or path strings',
        ref.span,
        kind === 'system_file'
          ? 'for a file whose whole content is a secret, use `system_secret_file` with `content = secret.<name>.value`'
          : 'keep secrets out of uploaded directories; deliver them with `system_secret_file`',
      );
    }
  }
}

function findSecretRefInItem(item: BodyItem): Reference | undefined {
  if (item.type === 'attribute') return findReference(item.value, (ref) => ref.segments[0] === 'secret');
  for (const inner of item.body) {
    const ref = findSecretRefInItem(inner);
    if (ref !== undefined) return ref;
  }
  return undefined;
}
