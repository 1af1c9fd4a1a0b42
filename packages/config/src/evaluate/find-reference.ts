import type { Expression, Reference } from '../ast';

/**
 * The first reference anywhere inside an expression (bare, inside a
 * `${...}`, or nested in lists and maps) that `matches` accepts. Used by the
 * checks that look at the syntax before anything is evaluated.
 */
export function findReference(
  expr: Expression,
  matches: (ref: Reference) => boolean = () => true,
): Reference | undefined {
  switch (expr.type) {
    case 'ref':
      return matches(expr) ? expr : undefined;
    case 'template':
      return expr.parts.find((part): part is Reference => part.type === 'ref' && matches(part));
    case 'list':
      for (const item of expr.items) {
        const ref = findReference(item, matches);
        if (ref !== undefined) return ref;
      }
      return undefined;
    case 'map':
      for (const entry of expr.entries) {
        const ref = findReference(entry.value, matches);
        if (ref !== undefined) return ref;
      }
      return undefined;
    default:
      return undefined;
  }
}
