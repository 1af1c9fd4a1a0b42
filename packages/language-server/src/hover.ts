import type { Document } from '@stratum/config';
import { type AttributeDoc, kindDocs, type Registry } from '@stratum/core';
import type { Hover, Position } from 'vscode-languageserver';
import { attributeSummary } from './kind-attributes';
import { blockAt, referenceAt } from './navigation';
import { spanContains, spanRange } from './ranges';

/**
 * Hover on a kind (the first label of a `resource` block) shows the kind's
 * documentation and its attributes; on an attribute of a resource block, that
 * attribute's; on a resource reference (`system_file.motd.path`), the resource's
 * kind and the attribute's, or the output's the kind computes at apply
 * (`git_repo.app.commit_sha`: known after apply). All come from core's `kindDocs`, the docs site's source.
 */
export function hoverAt(document: Document, position: Position, registry: Registry): Hover | undefined {
  const reference = referenceAt(document, position);
  const [kind, name, field] = reference?.segments ?? [];
  if (reference && kind !== undefined && name !== undefined && registry.has(kind)) {
    const { provider, handler } = registry.forKind(kind);
    const docs = kindDocs(kind, handler);
    const known = docs.attributes.find((a) => a.name === field);
    const output = docs.outputs.find((o) => o.name === field);
    const head = `resource \`${kind}.${name}\` — kind **${kind}**, provider \`${provider.name}\``;
    const detail =
      known !== undefined
        ? attributeHover(kind, known)
        : output !== undefined
          ? `\`${kind}.${output.name}\`: computed, known after apply\n\n${output.description}`
          : undefined;
    const value = detail === undefined ? head : `${head}\n\n${detail}`;
    return { contents: { kind: 'markdown', value }, range: spanRange(reference.span) };
  }
  const block = blockAt(document, position);
  if (block === undefined || block.kind !== 'resource') return undefined;
  const label = block.labels[0];
  if (label === undefined || !registry.has(label.value)) return undefined;
  const { provider, handler } = registry.forKind(label.value);
  const docs = kindDocs(label.value, handler);
  if (spanContains(label.span, position)) {
    const rows = docs.attributes.map(
      (a) => `| \`${a.name}\` | ${cell(attributeSummary(a))} | ${cell(a.description ?? '')} |`,
    );
    const value = [
      `**${label.value}** — provider \`${provider.name}\``,
      ...(docs.summary === '' ? [] : ['', docs.summary]),
      '',
      ...(rows.length === 0 ? [] : ['| attribute | type | |', '| --- | --- | --- |', ...rows]),
    ].join('\n');
    return { contents: { kind: 'markdown', value }, range: spanRange(label.span) };
  }
  const attribute = block.body.find(
    (item) => item.type === 'attribute' && spanContains(item.nameSpan, position),
  );
  if (attribute === undefined || attribute.type !== 'attribute') return undefined;
  const known = docs.attributes.find((a) => a.name === attribute.name);
  if (known === undefined) return undefined;
  return {
    contents: { kind: 'markdown', value: attributeHover(label.value, known) },
    range: spanRange(attribute.nameSpan),
  };
}

function attributeHover(kind: string, attribute: AttributeDoc): string {
  const head = `\`${kind}.${attribute.name}\`: ${attributeSummary(attribute)}`;
  return attribute.description === undefined ? head : `${head}\n\n${attribute.description}`;
}

/** Text safe inside a markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
}
