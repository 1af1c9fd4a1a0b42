import type { Attribute, Block, BodyItem, Document, Expression, Reference } from '@stratum/config';

/** Every block of a document, nested ones included, parents before children. */
export function allBlocks(document: Document): Block[] {
  const out: Block[] = [];
  const visit = (block: Block) => {
    out.push(block);
    for (const item of block.body) if (item.type === 'block') visit(item);
  };
  for (const block of document.blocks) visit(block);
  return out;
}

/** Every attribute of a body, those of nested blocks included. */
export function allAttributes(body: readonly BodyItem[]): Attribute[] {
  return body.flatMap((item) => (item.type === 'attribute' ? [item] : allAttributes(item.body)));
}

/** Every reference in an expression: bare, inside `${...}`, in lists and maps. */
export function referencesIn(expression: Expression): Reference[] {
  switch (expression.type) {
    case 'ref':
      return [expression];
    case 'template':
      return expression.parts.flatMap((part) => (part.type === 'ref' ? [part] : []));
    case 'list':
      return expression.items.flatMap(referencesIn);
    case 'map':
      return expression.entries.flatMap((entry) => referencesIn(entry.value));
    default:
      return [];
  }
}

/** Every reference written anywhere in the document. */
export function allReferences(document: Document): Reference[] {
  return document.blocks.flatMap((block) => allAttributes(block.body).flatMap((a) => referencesIn(a.value)));
}

/** The label values of a block: `resource "system_file" "motd"` → `["system_file", "motd"]`. */
export function labelsOf(block: Block): string[] {
  return block.labels.map((label) => label.value);
}
