// biome-ignore-all lint/suspicious/noTemplateCurlyInString: snippets hold ${1:placeholder} tab stops
import type { Document } from '@stratum/config';
import { kindDocs, parseInstanceName, type Registry, type ResourceAddr } from '@stratum/core';
import { type CompletionItem, CompletionItemKind, InsertTextFormat } from 'vscode-languageserver';
import { labelsOf } from './ast-walk';
import { allKinds, attributeSummary } from './kind-attributes';
import { PLANNER_ATTRS_FOR_EDITORS } from './planner-attrs';
import type { CursorContext } from './scan';

/** The top-level blocks, each with a snippet of its shape. */
const BLOCK_TYPES: { name: string; snippet: string; detail: string }[] = [
  {
    name: 'host',
    snippet: 'host "${1:name}" {\n  addr = "${2:192.0.2.10}"\n}',
    detail: 'a machine reached over SSH',
  },
  { name: 'resource', snippet: 'resource "${1:kind}" "${2:name}" {\n  $0\n}', detail: 'a thing on a host' },
  {
    name: 'secret',
    snippet: 'secret "${1:name}" {\n  from_env = "${2:ENV_NAME}"\n}',
    detail: 'a value kept out of state and output',
  },
  {
    name: 'variable',
    snippet: 'variable "${1:name}" {\n  default = $2\n}',
    detail: 'an input, set with --var',
  },
  {
    name: 'provider',
    snippet: 'provider "${1:name}" {\n  $0\n}',
    detail: 'provider settings or a third-party provider',
  },
  { name: 'group', snippet: 'group "${1:name}" {\n  hosts = [$2]\n}', detail: 'hosts for for_each' },
  {
    name: 'namespace',
    snippet: 'namespace "${1:name}" {\n  configs = ["$2"]\n}',
    detail: 'a namespace of a manifest',
  },
];

/** Reference roots offered where a value goes. */
const ROOTS = [
  { name: 'host', detail: 'host.<name>.<field>' },
  { name: 'secret', detail: 'secret.<name>.value' },
  { name: 'var', detail: 'var.<name>' },
];

/** What `each.` goes on with in a `for_each` resource. */
const EACH_FIELDS: CompletionItem[] = [
  { label: 'key', kind: CompletionItemKind.Field, detail: 'each.key: the instance key' },
  {
    label: 'value',
    kind: CompletionItemKind.Field,
    detail: "each.value: the list item, the map value, or the group host's addr",
  },
];

/** What completion reads: the cursor's context, the last syntax tree and the kinds. */
export interface CompletionInputs {
  context: CursorContext;
  document: Document | undefined;
  /** The syntax trees of the other files of the document's config set: their names complete too. */
  others?: readonly Document[] | undefined;
  registry: Registry;
  /** Host name → its field names, from the last evaluated config. */
  hostFields: ReadonlyMap<string, string[]>;
  /** `kind.name` of a `for_each` resource → its instance keys, from the last evaluated config. */
  instanceKeys: ReadonlyMap<string, string[]>;
}

export function complete({
  context,
  document,
  others = [],
  registry,
  hostFields,
  instanceKeys,
}: CompletionInputs): CompletionItem[] {
  const { linePrefix, blocks, inString } = context;
  // What the set declares: this document's blocks, then the other files'.
  const declaring = document && {
    ...document,
    blocks: [...document.blocks, ...others.flatMap((o) => o.blocks)],
  };
  // `kind.name[` or `kind.name["we`: the instance keys. Before the string checks, since inside
  // `"${...}"` the key's own quote reads as a string opening.
  const key = /(?:^|[^\w.])(\w+)\.([\w-]+)\[("?)([^"\]]*)$/.exec(linePrefix);
  if (key && registry.has(key[1]!)) return keysOf(`${key[1]}.${key[2]}`, instanceKeys, key[3] === '"');
  const field = /(?:^|[^\w.])(host|secret|var)\.([\w-]+)\.(\w*)$/.exec(linePrefix);
  if (field && !inString) return referenceFields(field[1]!, field[2]!, hostFields);
  const named = /(?:^|[^\w.])(host|secret|var)\.([\w-]*)$/.exec(linePrefix);
  if (named && !inString) return declared(declaring, named[1] as 'host' | 'secret' | 'var');
  const each = /(?:^|[^\w.])each\.(\w*)$/.exec(linePrefix);
  if (each && !inString) return EACH_FIELDS;
  // Any other root that is a kind starts a resource reference: `<kind>.<name>[["key"]].<attr>`.
  const resourceField = /(?:^|[^\w.])(\w+)\.([\w-]+)(?:\["[^"]*"\])?\.(\w*)$/.exec(linePrefix);
  if (resourceField && !inString && registry.has(resourceField[1]!))
    return readableFields(declaring, resourceField[1]!, resourceField[2]!, registry);
  const resourceName = /(?:^|[^\w.])(\w+)\.([\w-]*)$/.exec(linePrefix);
  if (resourceName && !inString && registry.has(resourceName[1]!))
    return resourcesOf(declaring, resourceName[1]!);
  if (/^\s*resource\s+"[\w-]*$/.test(linePrefix)) return kinds(registry);
  if (/\b(depends_on|triggered_by)\s*=\s*\[[^\]]*"[\w.-]*$/.test(linePrefix)) return addresses(declaring);
  if (inString && !/\$\{[^}]*$/.test(linePrefix)) return [];
  const attributePosition = /^\s*[\w-]*$/.test(linePrefix);
  if (blocks.length === 0) return attributePosition ? blockTypes() : [];
  const [type, kind] = blocks[0]!;
  if (attributePosition && blocks.length === 1 && type === 'resource' && kind !== undefined)
    return attributesOf(kind, registry);
  if (/=\s*(\[[^\]]*)?[\w.]*$/.test(linePrefix) || /\$\{[\w.]*$/.test(linePrefix))
    return [
      ...ROOTS.map((root) => ({
        label: root.name,
        kind: CompletionItemKind.Module,
        detail: root.detail,
        insertText: `${root.name}.`,
        command: { title: 'more', command: 'editor.action.triggerSuggest' },
      })),
      ...(type === 'resource' && hasForEach(document, kind)
        ? [
            {
              label: 'each',
              kind: CompletionItemKind.Module,
              detail: 'each.key, each.value',
              insertText: 'each.',
            },
          ]
        : []),
    ];
  return [];
}

/** `kind.name` → the keys of its instances (`kind.name["key"]`), in the config's order. */
export function instanceKeysOf(resources: readonly { addr: ResourceAddr }[]): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const { addr } of resources) {
    const instance = parseInstanceName(addr.name);
    if (instance === undefined) continue;
    const base = `${addr.kind}.${instance.base}`;
    keys.set(base, [...(keys.get(base) ?? []), instance.key]);
  }
  return keys;
}

function blockTypes(): CompletionItem[] {
  return BLOCK_TYPES.map((block) => ({
    label: block.name,
    kind: CompletionItemKind.Keyword,
    detail: block.detail,
    insertText: block.snippet,
    insertTextFormat: InsertTextFormat.Snippet,
  }));
}

function kinds(registry: Registry): CompletionItem[] {
  return allKinds(registry).map(({ kind, provider, handler }) => {
    const summary = kindDocs(kind, handler).summary;
    return {
      label: kind,
      kind: CompletionItemKind.Class,
      detail: `provider ${provider}`,
      ...(summary === '' ? {} : { documentation: { kind: 'markdown' as const, value: summary } }),
    };
  });
}

function attributesOf(kind: string, registry: Registry): CompletionItem[] {
  if (!registry.has(kind)) return [];
  const { handler } = registry.forKind(kind);
  const items: CompletionItem[] = kindDocs(kind, handler).attributes.map((attribute) => ({
    label: attribute.name,
    kind: CompletionItemKind.Property,
    detail: attributeSummary(attribute),
    ...(attribute.description === undefined
      ? {}
      : { documentation: { kind: 'markdown' as const, value: attribute.description } }),
    insertText: `${attribute.name} = `,
    // Required ones first, then in the schema's order.
    sortText: `${attribute.required ? 0 : 1}`,
  }));
  const planner = PLANNER_ATTRS_FOR_EDITORS.filter(
    (a) => a.name !== 'triggered_by' || handler.trigger !== undefined,
  );
  return [
    ...items,
    ...planner.map((a) => ({
      label: a.name,
      kind: CompletionItemKind.Keyword,
      detail: a.detail,
      insertText: `${a.name} = `,
      sortText: '2',
    })),
  ];
}

function declared(document: Document | undefined, root: 'host' | 'secret' | 'var'): CompletionItem[] {
  const blockKind = root === 'var' ? 'variable' : root;
  return (document?.blocks ?? [])
    .filter((block) => block.kind === blockKind && block.labels[0] !== undefined)
    .map((block) => ({
      label: block.labels[0]!.value,
      kind: root === 'var' ? CompletionItemKind.Variable : CompletionItemKind.Reference,
      detail: `${blockKind} "${block.labels[0]!.value}"`,
    }));
}

function referenceFields(
  root: string,
  name: string,
  hostFields: ReadonlyMap<string, string[]>,
): CompletionItem[] {
  if (root === 'secret')
    return [{ label: 'value', kind: CompletionItemKind.Field, detail: `secret.${name}.value` }];
  if (root === 'host')
    return (hostFields.get(name) ?? []).map((field) => ({
      label: field,
      kind: CompletionItemKind.Field,
      detail: `host.${name}.${field}`,
    }));
  return [];
}

/** The names of the resource blocks of `kind`: what `<kind>.` goes on with. */
function resourcesOf(document: Document | undefined, kind: string): CompletionItem[] {
  return (document?.blocks ?? [])
    .filter((block) => block.kind === 'resource' && block.labels[0]?.value === kind && block.labels[1])
    .map((block) => ({
      label: block.labels[1]!.value,
      kind: CompletionItemKind.Reference,
      detail: `resource "${kind}" "${block.labels[1]!.value}"`,
    }));
}

/**
 * What a reference to `<kind>.<name>` can read: the attributes written in its
 * block, then the outputs its kind computes at apply (known after apply).
 */
function readableFields(
  document: Document | undefined,
  kind: string,
  name: string,
  registry: Registry,
): CompletionItem[] {
  const block = (document?.blocks ?? []).find(
    (b) => b.kind === 'resource' && b.labels[0]?.value === kind && b.labels[1]?.value === name,
  );
  const written = (block?.body ?? [])
    .filter((item) => item.type === 'attribute')
    .map((item) => ({
      label: item.name,
      kind: CompletionItemKind.Field,
      detail: `${kind}.${name}.${item.name}`,
    }));
  const outputs = kindDocs(kind, registry.forKind(kind).handler).outputs.map((output) => ({
    label: output.name,
    kind: CompletionItemKind.Value,
    detail: `${kind}.${name}.${output.name} (computed, known after apply)`,
    documentation: { kind: 'markdown' as const, value: output.description },
  }));
  return [...written, ...outputs];
}

/**
 * The keys of `kind.name`'s instances, each completed to the closing `"]`;
 * `quoted` when the user already typed the opening quote.
 */
function keysOf(
  base: string,
  instanceKeys: ReadonlyMap<string, string[]>,
  quoted: boolean,
): CompletionItem[] {
  return (instanceKeys.get(base) ?? []).map((key) => {
    const literal = JSON.stringify(key);
    return {
      label: literal,
      kind: CompletionItemKind.EnumMember,
      detail: `${base}[${literal}]`,
      insertText: `${quoted ? literal.slice(1) : literal}]`,
      filterText: quoted ? key : literal,
    };
  });
}

function addresses(document: Document | undefined): CompletionItem[] {
  return (document?.blocks ?? [])
    .filter((block) => block.kind === 'resource' && block.labels.length === 2)
    .map((block) => {
      const address = labelsOf(block).join('.');
      return { label: address, kind: CompletionItemKind.Reference, detail: 'resource' };
    });
}

function hasForEach(document: Document | undefined, kind: string | undefined): boolean {
  return (document?.blocks ?? []).some(
    (block) =>
      block.kind === 'resource' &&
      block.labels[0]?.value === kind &&
      block.body.some((i) => i.type === 'attribute' && i.name === 'for_each'),
  );
}
