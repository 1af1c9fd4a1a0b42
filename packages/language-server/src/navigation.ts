import type { Block, Document, Reference } from '@stratum/config';
import { type DocumentSymbol, type Position, type Range, SymbolKind } from 'vscode-languageserver';
import { headerRange } from './analyze';
import { allAttributes, allBlocks, allReferences, labelsOf } from './ast-walk';
import { spanContains, spanRange } from './ranges';

/**
 * The block a `host.x`, `secret.x`, `var.x`, `<kind>.<name>.<attr>` reference or
 * a `depends_on` address names: in `document`, else in the first of `others`
 * (the other files of its config set) that declares it; `in` is 0 for
 * `document`, else 1 + the index in `others`.
 */
export function definitionAt(
  document: Document,
  position: Position,
  others: readonly Document[] = [],
): { in: number; range: Range } | undefined {
  const reference = referenceAt(document, position);
  const address = reference ? undefined : addressAt(document, position);
  if (reference === undefined && address === undefined) return undefined;
  const all = [document, ...others];
  for (const [index, candidate] of all.entries()) {
    const block = reference ? referencedBlock(candidate, reference) : resourceBlock(candidate, address!);
    if (block) return { in: index, range: headerRange(block) };
  }
  return undefined;
}

function referencedBlock(document: Document, reference: Reference): Block | undefined {
  const [root, name] = reference.segments;
  const kind = root === 'var' ? 'variable' : root;
  return (
    document.blocks.find((b) => b.kind === kind && b.labels[0]?.value === name) ??
    // Any other root is a resource's kind: `system_file.motd.path` names `system_file.motd`.
    resourceBlock(document, `${root}.${name}`)
  );
}

export function referenceAt(document: Document, position: Position): Reference | undefined {
  return allReferences(document).find((r) => spanContains(r.span, position));
}

/** A `"kind.name"` string in a `depends_on` / `triggered_by` list under the cursor. */
export function addressAt(document: Document, position: Position): string | undefined {
  for (const attribute of document.blocks.flatMap((b) => allAttributes(b.body))) {
    if (attribute.name !== 'depends_on' && attribute.name !== 'triggered_by') continue;
    if (attribute.value.type !== 'list') continue;
    for (const item of attribute.value.items)
      if (item.type === 'string' && spanContains(item.span, position)) return item.value;
  }
  return undefined;
}

export function resourceBlock(document: Document, address: string): Block | undefined {
  return document.blocks.find((b) => b.kind === 'resource' && labelsOf(b).join('.') === address);
}

/** The innermost block whose span holds the position. */
export function blockAt(document: Document, position: Position): Block | undefined {
  return allBlocks(document)
    .filter((b) => spanContains(b.span, position))
    .at(-1);
}

const SYMBOL_KINDS: Record<string, SymbolKind> = {
  host: SymbolKind.Object,
  resource: SymbolKind.Class,
  secret: SymbolKind.Key,
  variable: SymbolKind.Variable,
  provider: SymbolKind.Package,
  group: SymbolKind.Array,
  namespace: SymbolKind.Namespace,
};

/** The outline: every block (a resource named `kind.name`) with its attributes and nested blocks. */
export function documentSymbols(document: Document): DocumentSymbol[] {
  return document.blocks.map((block) => blockSymbol(block));
}

function blockSymbol(block: Block): DocumentSymbol {
  const labels = labelsOf(block);
  const name = block.kind === 'resource' ? labels.join('.') : labels.join(' ') || block.kind;
  return {
    name: name || block.kind,
    detail: block.kind,
    kind: SYMBOL_KINDS[block.kind] ?? SymbolKind.Struct,
    range: spanRange(block.span),
    selectionRange: headerRange(block),
    children: block.body.map((item) =>
      item.type === 'block'
        ? blockSymbol(item)
        : {
            name: item.name,
            kind: SymbolKind.Property,
            range: spanRange(item.span),
            selectionRange: spanRange(item.nameSpan),
          },
    ),
  };
}
