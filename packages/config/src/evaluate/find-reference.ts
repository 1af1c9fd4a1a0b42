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

/** Every reference inside an expression that `matches` accepts, in source order. */
export function findReferences(
  expr: Expression,
  matches: (ref: Reference) => boolean = () => true,
  out: Reference[] = [],
): Reference[] {
  switch (expr.type) {
    case 'ref':
      if (matches(expr)) out.push(expr);
      break;
    case 'template':
      for (const part of expr.parts) if (part.type === 'ref' && matches(part)) out.push(part);
      break;
    case 'list':
      for (const item of expr.items) findReferences(item, matches, out);
      break;
    case 'map':
      for (const entry of expr.entries) findReferences(entry.value, matches, out);
      break;
    default:
      break;
  }
  return out;
}
