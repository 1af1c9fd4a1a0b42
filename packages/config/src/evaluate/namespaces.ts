import { resolve } from 'node:path';
import type { Expression, Span } from '../ast';
import type { NamespaceDecl } from '../extracted';
import type { EvalContext, UnitBlock } from './context';
import { DuplicateTracker } from './duplicates';
import { findReference } from './find-reference';
import { expectLabels } from './labels';
import { refText } from './values';

/**
 * Pass 3: namespace blocks of a manifest. Their bodies are plain attributes
 * holding string literals: `configs` (required list) and `state` (optional).
 * Paths become absolute against the manifest's directory (the working
 * directory for a `loadStr` without `baseDir`).
 */
export function evaluateNamespaces(blocks: readonly UnitBlock[], ctx: EvalContext): NamespaceDecl[] {
  const duplicates = new DuplicateTracker('DuplicateNamespace', 'namespace', ctx);
  const namespaces: NamespaceDecl[] = [];
  for (const { block, unit } of blocks) {
    const [name] = expectLabels(block, ['name'], ctx, 'BadNamespaceLabels') as [string];
    duplicates.add(name, block.labels[0]?.span ?? block.span);
    const bad = (message: string, span = block.span, hint = NAMESPACE_SHAPE) =>
      ctx.error('BadNamespaceBody', `namespace \`${name}\`: ${message}`, span, hint);
    const absolute = (path: string) => resolve(unit.baseDir ?? '.', path);

    let configs: string[] | undefined;
    let state: string | undefined;
    const seen = new Map<string, number>();
    for (const item of block.body) {
      if (item.type === 'block') throw bad(`nested block \`${item.kind}\` is not allowed`, item.kindSpan);
      const first = seen.get(item.name);
      if (first !== undefined) {
        throw ctx.error(
          'DuplicateAttribute',
          `duplicate attribute \`${item.name}\`: already set on line ${first}`,
          item.nameSpan,
          'set each attribute once per block; remove one of them',
        );
      }
      seen.set(item.name, item.nameSpan.start.line);
      const ref = findReference(item.value);
      if (ref !== undefined) {
        throw bad(
          `references are not allowed inside namespace blocks (found \`${refText(ref)}\`)`,
          ref.span,
          'namespace bodies are read before anything is evaluated; write the paths as string literals',
        );
      }
      if (item.name === 'configs') {
        configs = literalStringList(item.value, bad).map(absolute);
      } else if (item.name === 'state') {
        const value = literalString(item.value, '`state`', bad);
        // A database URL (the PostgreSQL backend) is a location, not a path to resolve.
        state = /^postgres(ql)?:\/\//i.test(value) ? value : absolute(value);
      } else {
        throw bad(`unknown attribute \`${item.name}\``, item.nameSpan);
      }
    }
    if (configs === undefined) throw bad('missing `configs = [...]`', block.labels[0]?.span ?? block.span);
    namespaces.push({ name, configs, ...(state !== undefined ? { state } : {}), file: block.span.file });
  }
  return namespaces;
}

const NAMESPACE_SHAPE =
  'a namespace body is `configs = ["a.strat", ...]` and optionally `state = "path.json"`, string literals only';

type Bad = (message: string, span?: Span, hint?: string) => Error;

function literalString(expr: Expression, what: string, bad: Bad): string {
  if (expr.type === 'string') return expr.value;
  throw bad(`${what} must be a string, found ${describeExpression(expr)}`, expr.span);
}

function literalStringList(expr: Expression, bad: Bad): string[] {
  if (expr.type !== 'list') {
    throw bad(`\`configs\` must be a list of strings, found ${describeExpression(expr)}`, expr.span);
  }
  return expr.items.map((item, index) => literalString(item, `\`configs\` entry ${index + 1}`, bad));
}

function describeExpression(expr: Expression): string {
  switch (expr.type) {
    case 'list':
      return 'a list';
    case 'map':
      return 'a map';
    case 'number':
      return 'a number';
    case 'bool':
      return 'a bool';
    default:
      return 'a string';
  }
}
