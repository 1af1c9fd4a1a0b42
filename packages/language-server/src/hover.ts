import type { Document } from '@stratum/config';
import type { Registry } from '@stratum/core';
import type { Hover, Position } from 'vscode-languageserver';
import { attributeSummary, kindAttributes } from './kind-attributes';
import { blockAt } from './navigation';
import { spanContains, spanRange } from './ranges';

/**
 * Hover on a kind (the first label of a `resource` block) shows the kind and
 * its attributes; on an attribute of a resource block, that attribute.
 */
export function hoverAt(document: Document, position: Position, registry: Registry): Hover | undefined {
  const block = blockAt(document, position);
  if (block === undefined || block.kind !== 'resource') return undefined;
  const label = block.labels[0];
  if (label === undefined || !registry.has(label.value)) return undefined;
  const { provider, handler } = registry.forKind(label.value);
  const attributes = kindAttributes(handler.schema);
  if (spanContains(label.span, position)) {
    const rows = attributes.map((a) => `| \`${a.name}\` | ${attributeSummary(a).replace(/\|/g, '\\|')} |`);
    const value = [
      `**${label.value}** — provider \`${provider.name}\``,
      '',
      ...(rows.length === 0 ? [] : ['| attribute | type |', '| --- | --- |', ...rows]),
    ].join('\n');
    return { contents: { kind: 'markdown', value }, range: spanRange(label.span) };
  }
  const attribute = block.body.find(
    (item) => item.type === 'attribute' && spanContains(item.nameSpan, position),
  );
  if (attribute === undefined || attribute.type !== 'attribute') return undefined;
  const known = attributes.find((a) => a.name === attribute.name);
  if (known === undefined) return undefined;
  return {
    contents: { kind: 'markdown', value: `\`${label.value}.${known.name}\`: ${attributeSummary(known)}` },
    range: spanRange(attribute.nameSpan),
  };
}
